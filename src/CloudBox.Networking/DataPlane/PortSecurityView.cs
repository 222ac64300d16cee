using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Networking.Subnets;

namespace CloudBox.Networking.DataPlane;

/// <summary>
/// An instance port as anti-spoofing and security groups see it, read from its JSON once per
/// pass: its tap, its network, what it may send from, and its security groups.
/// </summary>
internal sealed class PortSecurityView
{
    public PortSecurityView(JsonObject port)
    {
        Id = port["id"]!.GetValue<string>();
        Tap = KernelNames.Tap(Id);
        NetworkId = port["network_id"]!.GetValue<string>();
        Filtered = port["port_security_enabled"]?.GetValue<bool>() == true;
        Groups = ((JsonArray?)port["security_groups"] ?? []).Select(g => g!.GetValue<string>()).Distinct().Order(StringComparer.Ordinal).ToArray();

        // Fixed IPs (IPv4 and IPv6), allowed address pairs (which may be prefixes), and the IPv6
        // link-local address of the port's MAC and of each pair's MAC.
        var macs = new List<string> { port["mac_address"]!.GetValue<string>() };
        foreach (var fixedIp in (JsonArray)port["fixed_ips"]!)
        {
            var address = IPAddress.Parse(fixedIp!["ip_address"]!.GetValue<string>());
            Sources.Add((address, FullLength(address)));
        }
        foreach (var pair in (JsonArray?)port["allowed_address_pairs"] ?? [])
        {
            var parts = pair!["ip_address"]!.GetValue<string>().Split('/');
            if (IPAddress.TryParse(parts[0], out var address))
                Sources.Add((address, parts.Length > 1 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : FullLength(address)));
            if (pair["mac_address"]?.GetValue<string>() is { } mac)
                macs.Add(mac);
        }
        foreach (var mac in macs.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            Sources.Add((Ipv6.LinkLocal(mac), 128));
            Macs.Add(ParseMac(mac));
        }
        AllExact = Sources.TrueForAll(IsExact);
    }

    public string Id { get; }
    public string Tap { get; }
    public string NetworkId { get; }

    /// <summary>Port security on: anti-spoofing and security groups apply.</summary>
    public bool Filtered { get; }

    /// <summary>Security group ids, each once, in ordinal order (ports with the same groups have equal arrays).</summary>
    public string[] Groups { get; }

    /// <summary>The addresses and prefixes the port may send from.</summary>
    public List<(IPAddress Address, int Prefix)> Sources { get; } = [];

    /// <summary>The MACs the port may send from: its own and its allowed address pairs' (each once).</summary>
    public List<byte[]> Macs { get; } = [];

    /// <summary>True when every source is a single address (no allowed address pair is a prefix).</summary>
    public bool AllExact { get; }

    public static bool IsExact((IPAddress Address, int Prefix) source) => source.Prefix == FullLength(source.Address);

    public static int FullLength(IPAddress address) => IsV6(address) ? 128 : 32;

    public static bool IsV6(IPAddress address) => address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;

    private static byte[] ParseMac(string mac) =>
        mac.Split(':').Select(p => byte.Parse(p, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
}
