using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace CloudBox.Networking.Subnets;

/// <summary>An IPv6 prefix as a 128-bit number, for the address arithmetic of IPv6 subnets.</summary>
public readonly record struct Ipv6Cidr(UInt128 Network, int PrefixLength)
{
    public UInt128 Mask => PrefixLength == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - PrefixLength);

    public UInt128 Last => Network | ~Mask;

    public bool Contains(UInt128 address) => (address & Mask) == Network;

    public bool Overlaps(Ipv6Cidr other)
    {
        var shorter = PrefixLength < other.PrefixLength ? this : other;
        var longer = PrefixLength < other.PrefixLength ? other : this;
        return shorter.Contains(longer.Network);
    }

    public override string ToString() => $"{Ipv6.Format(Network)}/{PrefixLength.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Parses <c>addr/n</c>; null unless it is an IPv6 prefix with no host bits set (<paramref name="canonical"/> then says what was meant).</summary>
    public static Ipv6Cidr? TryParse(string? text, out string? canonical)
    {
        canonical = null;
        var slash = text?.IndexOf('/') ?? -1;
        if (text is null || slash < 0 || Ipv6.TryParse(text[..slash]) is not { } address)
            return null;
        if (!int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length > 128)
            return null;
        var cidr = new Ipv6Cidr(0, length);
        cidr = cidr with { Network = address & cidr.Mask };
        canonical = cidr.ToString();
        return cidr.Network == address ? cidr : null;
    }
}

/// <summary>IPv6 addresses as 128-bit numbers, and the EUI-64 addresses SLAAC derives from a MAC.</summary>
public static class Ipv6
{
    public static UInt128? TryParse(string? text)
    {
        if (text is null || !text.Contains(':') || !IPAddress.TryParse(text, out var address) || address.AddressFamily != AddressFamily.InterNetworkV6
            || address.ScopeId != 0)
            return null;
        return BinaryPrimitives.ReadUInt128BigEndian(address.GetAddressBytes());
    }

    public static IPAddress ToAddress(UInt128 address)
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, address);
        return new IPAddress(bytes);
    }

    /// <summary>RFC 5952 text (lower case, longest zero run compressed), as Neutron shows addresses.</summary>
    public static string Format(UInt128 address) => ToAddress(address).ToString();

    /// <summary>
    /// The interface identifier a host forms from its MAC (modified EUI-64, RFC 4291 appendix A):
    /// the universal/local bit flipped and ff:fe in the middle. A SLAAC guest picks exactly this.
    /// </summary>
    public static ulong InterfaceIdentifier(string mac)
    {
        var bytes = mac.Split(':').Select(p => byte.Parse(p, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
        Span<byte> id = [(byte)(bytes[0] ^ 0x02), bytes[1], bytes[2], 0xff, 0xfe, bytes[3], bytes[4], bytes[5]];
        return BinaryPrimitives.ReadUInt64BigEndian(id);
    }

    /// <summary>The address SLAAC gives a port on a /64: the prefix and the MAC's interface identifier.</summary>
    public static UInt128 Eui64(Ipv6Cidr prefix, string mac) => prefix.Network | InterfaceIdentifier(mac);

    /// <summary>The link-local address (fe80::/64) the kernel gives an interface with this MAC.</summary>
    public static IPAddress LinkLocal(string mac) => ToAddress(((UInt128)0xfe80UL << 112) | InterfaceIdentifier(mac));
}
