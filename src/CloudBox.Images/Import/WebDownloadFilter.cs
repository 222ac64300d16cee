using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CloudBox.Core.Configuration;

namespace CloudBox.Images.Import;

/// <summary>
/// Which URLs and addresses a web-download may reach, after Glance's <c>import_filtering_opts</c>
/// (<c>allowed_schemes</c>, <c>allowed_ports</c>, <c>allowed_hosts</c>, <c>disallowed_hosts</c>),
/// plus what Glance leaves to deployers: an address that is loopback, private, link-local (the
/// metadata address among them), shared, unspecified, multicast or reserved is refused unless its
/// host is allowed by name. The URL is checked at the request and after every redirect; the address
/// at connect time, after resolution, so a name that resolves (or re-resolves) inward does not pass.
/// </summary>
internal sealed class WebDownloadFilter
{
    private readonly HashSet<string> _schemes;
    private readonly HashSet<int> _ports;
    private readonly HostList _allowed;
    private readonly HostList _disallowed;

    public WebDownloadFilter(CloudBoxOptions options)
    {
        _schemes = Split(options.ImageImportAllowedSchemes).Select(s => s.ToLowerInvariant()).ToHashSet();
        _ports = Split(options.ImageImportAllowedPorts).Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToHashSet();
        _allowed = new HostList(Split(options.ImageImportAllowedHosts));
        _disallowed = new HostList(Split(options.ImageImportDisallowedHosts));
    }

    /// <summary>Why the URL may not be fetched, or null when it may.</summary>
    public string? Refusal(Uri uri)
    {
        if (!uri.IsAbsoluteUri || !_schemes.Contains(uri.Scheme.ToLowerInvariant()))
            return $"scheme '{(uri.IsAbsoluteUri ? uri.Scheme : "")}' is not allowed";
        if (_ports.Count > 0 && !_ports.Contains(uri.Port))
            return $"port {uri.Port} is not allowed";
        var host = uri.IdnHost;
        if (_disallowed.Matches(host, IPAddress.TryParse(host, out var literal) ? literal : null))
            return $"host '{host}' is not allowed";
        if (!_allowed.IsEmpty && !_allowed.Matches(host, literal))
            return $"host '{host}' is not in the allowed hosts";
        return literal is null ? null : Refusal(host, literal);
    }

    /// <summary>Why <paramref name="address"/>, which <paramref name="host"/> resolved to, may not be connected to, or null when it may.</summary>
    public string? Refusal(string host, IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (_disallowed.Matches(host, address))
            return $"address {address} is not allowed";
        if (_allowed.Matches(host, address))
            return null;
        return IsInternal(address) ? $"address {address} is internal (loopback, private, link-local or reserved)" : null;
    }

    public static bool IsInternal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
            return true;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] is 0 or 10 or 127 || b[0] >= 224 // this network, private, loopback, multicast and reserved
                || (b[0] == 100 && (b[1] & 0xC0) == 64) // shared address space (carrier-grade NAT)
                || (b[0] == 169 && b[1] == 254) // link-local, the metadata address 169.254.169.254 among them
                || (b[0] == 172 && (b[1] & 0xF0) == 16)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 192 && b[1] == 0 && b[2] is 0 or 2) // IETF protocol assignments, documentation
                || (b[0] == 198 && (b[1] & 0xFE) == 18); // benchmarking
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal
                || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) // documentation
                || (b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) // NAT64 may reach IPv4 inside
                || (b[0] == 0x20 && b[1] == 0x02); // 6to4 embeds an IPv4 address
        }
        return true;
    }

    private static string[] Split(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Host names (compared without case), addresses and CIDR prefixes.</summary>
    private sealed class HostList(string[] entries)
    {
        private readonly HashSet<string> _names = entries.Select(e => e.Trim('[', ']').ToLowerInvariant()).ToHashSet();
        private readonly IPNetwork[] _networks = [.. entries.Select(AsNetwork).OfType<IPNetwork>()];

        /// <summary>"10.0.0.0/8" as it is; a single address as a network of just that address.</summary>
        private static IPNetwork? AsNetwork(string entry)
        {
            if (IPNetwork.TryParse(entry, out var network))
                return network;
            if (IPAddress.TryParse(entry.Trim('[', ']'), out var address))
                return new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
            return null;
        }

        public bool IsEmpty => _names.Count == 0 && _networks.Length == 0;

        public bool Matches(string host, IPAddress? address)
        {
            if (_names.Contains(host.Trim('[', ']').ToLowerInvariant()))
                return true;
            return address is not null && Array.Exists(_networks, n => n.BaseAddress.AddressFamily == address.AddressFamily && n.Contains(address));
        }
    }
}
