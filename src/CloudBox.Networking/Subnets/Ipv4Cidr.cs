using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace CloudBox.Networking.Subnets;

/// <summary>An IPv4 prefix as 32-bit numbers, for the address arithmetic of subnets, pools and routes.</summary>
public readonly record struct Ipv4Cidr(uint Network, int PrefixLength)
{
    public uint Mask => PrefixLength == 0 ? 0 : uint.MaxValue << (32 - PrefixLength);

    public uint Broadcast => Network | ~Mask;

    public ulong Size => 1UL << (32 - PrefixLength);

    public bool Contains(uint address) => (address & Mask) == Network;

    public bool Overlaps(Ipv4Cidr other)
    {
        var shorter = PrefixLength < other.PrefixLength ? this : other;
        var longer = PrefixLength < other.PrefixLength ? other : this;
        return shorter.Contains(longer.Network);
    }

    public override string ToString() => $"{Ipv4.Format(Network)}/{PrefixLength}";

    /// <summary>Parses <c>a.b.c.d/n</c>; null unless it is an IPv4 prefix with no host bits set.</summary>
    public static Ipv4Cidr? TryParse(string? text, out string? canonical)
    {
        canonical = null;
        var slash = text?.IndexOf('/') ?? -1;
        if (text is null || slash < 0)
            return null;
        if (Ipv4.TryParse(text[..slash]) is not { } address)
            return null;
        if (!int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length > 32)
            return null;
        var cidr = new Ipv4Cidr(0, length);
        cidr = cidr with { Network = address & cidr.Mask };
        canonical = cidr.ToString();
        return cidr.Network == address ? cidr : null;
    }
}

/// <summary>Dotted-quad IPv4 addresses as host-order numbers.</summary>
public static class Ipv4
{
    public static uint? TryParse(string? text)
    {
        if (text is null || !IPAddress.TryParse(text, out var address) || address.AddressFamily != AddressFamily.InterNetwork)
            return null;
        if (text.Count(c => c == '.') != 3)
            return null; // "10.1" parses, but nobody means it
        var bytes = address.GetAddressBytes();
        return (uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]);
    }

    public static string Format(uint address) =>
        string.Create(CultureInfo.InvariantCulture, $"{address >> 24}.{(address >> 16) & 255}.{(address >> 8) & 255}.{address & 255}");
}
