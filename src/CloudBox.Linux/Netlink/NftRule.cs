using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace CloudBox.Linux.Netlink;

/// <summary>
/// The expressions of one nftables rule, in the kernel's register-machine form (what <c>nft</c>
/// compiles its text into): load a field into a register, compare it, then a verdict or a NAT.
/// Typed helpers cover the matches CloudBox uses.
/// </summary>
public sealed class NftRule
{
    internal const uint RegVerdict = 0;
    internal const uint Reg1 = 1;
    internal const uint Reg2 = 2;

    /// <summary>The 32-bit register right after the 16 bytes of <see cref="Reg1"/> (NFT_REG32_04), for concatenated keys.</summary>
    internal const uint Reg32After16Bytes = 12;

    private const uint CmpEq = 0, CmpNeq = 1, CmpGte = 5, CmpLte = 3;
    private const uint MetaIifName = 6, MetaOifName = 7, MetaNfProto = 15, MetaL4Proto = 16, MetaProtocol = 1;
    private const uint BaseLink = 0, BaseNetwork = 1, BaseTransport = 2;

    internal readonly List<(string Name, Action<NetlinkMessage> Data)> Expressions = [];

    public string? Comment { get; init; }

    // ---- matches ----

    public NftRule InputInterface(string name) => Meta(MetaIifName, Reg1).Compare(CmpEq, Reg1, InterfaceName(name));

    public NftRule OutputInterface(string name) => Meta(MetaOifName, Reg1).Compare(CmpEq, Reg1, InterfaceName(name));

    public NftRule NotOutputInterface(string name) => Meta(MetaOifName, Reg1).Compare(CmpNeq, Reg1, InterfaceName(name));

    /// <summary>The output interface's name does not start with <paramref name="prefix"/> (nft's <c>oifname != "prefix*"</c>).</summary>
    public NftRule NotOutputInterfacePrefix(string prefix) => Meta(MetaOifName, Reg1).Compare(CmpNeq, Reg1, Encoding.UTF8.GetBytes(prefix));

    /// <summary>IPv4 packets only (in bridge and inet tables, where other protocols pass too).</summary>
    public NftRule IsIpv4Ethernet() => Meta(MetaProtocol, Reg1).Compare(CmpEq, Reg1, [0x08, 0x00]);

    /// <summary>IPv6 packets only (in bridge tables, by Ethernet type).</summary>
    public NftRule IsIpv6Ethernet() => Meta(MetaProtocol, Reg1).Compare(CmpEq, Reg1, [0x86, 0xdd]);

    public NftRule IsIpv4() => Meta(MetaNfProto, Reg1).Compare(CmpEq, Reg1, [2]);

    /// <summary>IPv6 packets only (in inet tables).</summary>
    public NftRule IsIpv6() => Meta(MetaNfProto, Reg1).Compare(CmpEq, Reg1, [10]);

    /// <remarks>The address's family picks the header field: an IPv6 address matches only in an IPv6 packet (check the family first).</remarks>
    public NftRule SourceAddress(IPAddress address, int? prefixLength = null) => Address(source: true, address, prefixLength, CmpEq);

    public NftRule DestinationAddress(IPAddress address, int? prefixLength = null) => Address(source: false, address, prefixLength, CmpEq);

    public NftRule NotSourceAddress(IPAddress address, int? prefixLength = null) => Address(source: true, address, prefixLength, CmpNeq);

    /// <summary>The source address is in the named set (made in the same batch with <paramref name="setId"/>).</summary>
    public NftRule SourceInSet(string set, uint setId, bool ipv6 = false) => AddressInSet(ipv6 ? 8u : 12u, ipv6 ? 16u : 4u, set, setId);

    public NftRule DestinationInSet(string set, uint setId, bool ipv6 = false) => AddressInSet(ipv6 ? 24u : 16u, ipv6 ? 16u : 4u, set, setId);

    private NftRule AddressInSet(uint offset, uint length, string set, uint setId) => Payload(BaseNetwork, offset, length, Reg1).Lookup(set, setId);

    /// <summary>(Input interface name, source MAC) is in the named set, whose keys are <see cref="InterfaceAndMacKey"/>.</summary>
    public NftRule InputInterfaceAndSourceMacInSet(string set, uint setId) =>
        Meta(MetaIifName, Reg1).Payload(BaseLink, 6, 6, Reg32After16Bytes).Lookup(set, setId);

    /// <summary>(Input interface name, IPv4 or IPv6 source) is in the named set, whose keys are <see cref="InterfaceAndAddressKey"/>.</summary>
    /// <remarks>Check the family first: the address is read from the network header whatever it holds.</remarks>
    public NftRule InputInterfaceAndSourceInSet(string set, uint setId, bool ipv6 = false) =>
        Meta(MetaIifName, Reg1).Payload(BaseNetwork, ipv6 ? 8u : 12u, ipv6 ? 16u : 4u, Reg32After16Bytes).Lookup(set, setId);

    private NftRule Lookup(string set, uint setId)
    {
        Expressions.Add(("lookup", m => m.String(1, set).U32BigEndian(2, Reg1).U32BigEndian(4, setId)));
        return this;
    }

    /// <summary>Jumps to the chain verdict map <paramref name="map"/> gives for the input interface's name (no entry: go on).</summary>
    public NftRule JumpByInputInterface(string map, uint mapId) => Meta(MetaIifName, Reg1).VerdictLookup(map, mapId);

    public NftRule JumpByOutputInterface(string map, uint mapId) => Meta(MetaOifName, Reg1).VerdictLookup(map, mapId);

    /// <summary>Jumps to the chain a map keyed by (input interface name, IPv4 source) gives: <see cref="InterfaceAndAddressKey"/>.</summary>
    public NftRule JumpByInputInterfaceAndSource(string map, uint mapId) =>
        Meta(MetaIifName, Reg1).Payload(BaseNetwork, 12, 4, Reg32After16Bytes).VerdictLookup(map, mapId);

    public NftRule JumpByOutputInterfaceAndDestination(string map, uint mapId) =>
        Meta(MetaOifName, Reg1).Payload(BaseNetwork, 16, 4, Reg32After16Bytes).VerdictLookup(map, mapId);

    /// <summary>Jumps to the chain a map keyed by (input interface name, IPv6 source) gives (32-byte keys).</summary>
    public NftRule JumpByInputInterfaceAndSource6(string map, uint mapId) =>
        Meta(MetaIifName, Reg1).Payload(BaseNetwork, 8, 16, Reg32After16Bytes).VerdictLookup(map, mapId);

    public NftRule JumpByOutputInterfaceAndDestination6(string map, uint mapId) =>
        Meta(MetaOifName, Reg1).Payload(BaseNetwork, 24, 16, Reg32After16Bytes).VerdictLookup(map, mapId);

    /// <summary>A map key of an interface name (16 bytes, zero-padded, as the kernel loads it).</summary>
    public static byte[] InterfaceKey(string name) => InterfaceName(name);

    /// <summary>A key of an interface name and an IPv4 or IPv6 address, concatenated as the registers hold them.</summary>
    public static byte[] InterfaceAndAddressKey(string name, IPAddress address) => [.. InterfaceName(name), .. address.GetAddressBytes()];

    /// <summary>A key of an interface name and a MAC address; the MAC's register is zero-padded to 8 bytes.</summary>
    public static byte[] InterfaceAndMacKey(string name, byte[] mac) => mac.Length == 6 ? [.. InterfaceName(name), .. mac, 0, 0]
        : throw new ArgumentException($"a MAC address of {mac.Length} bytes");

    private NftRule VerdictLookup(string map, uint mapId)
    {
        Expressions.Add(("lookup", m => m.String(1, map).U32BigEndian(2, Reg1).U32BigEndian(3, RegVerdict).U32BigEndian(4, mapId)));
        return this;
    }

    public NftRule SourceMac(byte[] mac, bool negate = false) =>
        Payload(BaseLink, 6, 6, Reg1).Compare(negate ? CmpNeq : CmpEq, Reg1, mac);

    public NftRule L4Protocol(byte protocol) => Meta(MetaL4Proto, Reg1).Compare(CmpEq, Reg1, [protocol]);

    /// <summary>Source port <paramref name="port"/> (TCP/UDP).</summary>
    public NftRule SourcePort(int port) => Payload(BaseTransport, 0, 2, Reg1).Compare(CmpEq, Reg1, BigEndian16(port));

    /// <summary>Destination port in <paramref name="min"/>..<paramref name="max"/> (TCP/UDP; for ICMP, type and code).</summary>
    public NftRule DestinationPorts(int min, int max)
    {
        Payload(BaseTransport, 2, 2, Reg1);
        if (min == max)
            return Compare(CmpEq, Reg1, BigEndian16(min));
        return Compare(CmpGte, Reg1, BigEndian16(min)).Compare(CmpLte, Reg1, BigEndian16(max));
    }

    public NftRule IcmpType(int type) => Payload(BaseTransport, 0, 1, Reg1).Compare(CmpEq, Reg1, [(byte)type]);

    /// <summary>ICMP (or ICMPv6) type in <paramref name="min"/>..<paramref name="max"/>.</summary>
    public NftRule IcmpTypes(int min, int max) =>
        Payload(BaseTransport, 0, 1, Reg1).Compare(CmpGte, Reg1, [(byte)min]).Compare(CmpLte, Reg1, [(byte)max]);

    public NftRule IcmpCode(int code) => Payload(BaseTransport, 1, 1, Reg1).Compare(CmpEq, Reg1, [(byte)code]);

    /// <summary>Connection tracking state is one of <paramref name="mask"/> (established = 2, related = 4, invalid = 1, new = 8).</summary>
    public NftRule CtStateIn(uint mask)
    {
        Expressions.Add(("ct", m => m.U32BigEndian(1, Reg1).U32BigEndian(2, 0)));
        Span<byte> maskBytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(maskBytes, mask);
        var maskCopy = maskBytes.ToArray();
        Expressions.Add(("bitwise", m =>
        {
            m.U32BigEndian(1, Reg1).U32BigEndian(2, Reg1).U32BigEndian(3, 4);
            Data(m, 4, maskCopy);
            Data(m, 5, new byte[4]);
        }));
        return Compare(CmpNeq, Reg1, new byte[4]);
    }

    // ---- actions ----

    public NftRule Counter()
    {
        Expressions.Add(("counter", _ => { }));
        return this;
    }

    public NftRule Accept() => Verdict(1);

    public NftRule Drop() => Verdict(0);

    public NftRule Jump(string chain) => Verdict(unchecked((uint)-3), chain);

    /// <summary>Continues in <paramref name="chain"/> without coming back: its end returns to this chain's caller.</summary>
    public NftRule Goto(string chain) => Verdict(unchecked((uint)-4), chain);

    public NftRule Return() => Verdict(unchecked((uint)-5));

    public NftRule SourceNat(IPAddress to) => Nat(0, to);

    public NftRule DestinationNat(IPAddress to) => Nat(1, to);

    public NftRule Masquerade()
    {
        Expressions.Add(("masq", _ => { }));
        return this;
    }

    // ---- building blocks ----

    private NftRule Meta(uint key, uint register)
    {
        Expressions.Add(("meta", m => m.U32BigEndian(2, key).U32BigEndian(1, register)));
        return this;
    }

    private NftRule Payload(uint payloadBase, uint offset, uint length, uint register)
    {
        Expressions.Add(("payload", m => m.U32BigEndian(1, register).U32BigEndian(2, payloadBase).U32BigEndian(3, offset).U32BigEndian(4, length)));
        return this;
    }

    private NftRule Compare(uint op, uint register, byte[] value)
    {
        Expressions.Add(("cmp", m =>
        {
            m.U32BigEndian(1, register).U32BigEndian(2, op);
            Data(m, 3, value);
        }));
        return this;
    }

    private NftRule Address(bool source, IPAddress address, int? prefix, uint op)
    {
        var bytes = address.GetAddressBytes();
        var ipv6 = bytes.Length == 16;
        Payload(BaseNetwork, ipv6 ? (source ? 8u : 24u) : (source ? 12u : 16u), (uint)bytes.Length, Reg1);
        var prefixLength = prefix ?? bytes.Length * 8;
        if (prefixLength < bytes.Length * 8)
        {
            var maskBytes = new byte[bytes.Length];
            for (var bit = 0; bit < prefixLength; bit++)
                maskBytes[bit / 8] |= (byte)(0x80 >> (bit % 8));
            for (var i = 0; i < bytes.Length; i++)
                bytes[i] &= maskBytes[i];
            var zero = new byte[bytes.Length];
            Expressions.Add(("bitwise", m =>
            {
                m.U32BigEndian(1, Reg1).U32BigEndian(2, Reg1).U32BigEndian(3, (uint)maskBytes.Length);
                Data(m, 4, maskBytes);
                Data(m, 5, zero);
            }));
        }
        return Compare(op, Reg1, bytes);
    }

    private NftRule Verdict(uint code, string? chain = null)
    {
        Expressions.Add(("immediate", m =>
        {
            m.U32BigEndian(1, RegVerdict);
            var data = m.BeginNested(2);
            var verdict = m.BeginNested(2);
            m.U32BigEndian(1, code);
            if (chain is not null)
                m.String(2, chain);
            m.EndNested(verdict);
            m.EndNested(data);
        }));
        return this;
    }

    private NftRule Nat(uint type, IPAddress to)
    {
        var bytes = to.GetAddressBytes();
        Expressions.Add(("immediate", m =>
        {
            m.U32BigEndian(1, Reg1);
            Data(m, 2, bytes);
        }));
        Expressions.Add(("nat", m => m.U32BigEndian(1, type).U32BigEndian(2, 2).U32BigEndian(3, Reg1).U32BigEndian(4, Reg1)));
        return this;
    }

    private static void Data(NetlinkMessage message, ushort attribute, byte[] value)
    {
        var start = message.BeginNested(attribute);
        message.Attribute(1, value); // NFTA_DATA_VALUE
        message.EndNested(start);
    }

    private static byte[] InterfaceName(string name)
    {
        var bytes = new byte[16];
        Encoding.UTF8.GetBytes(name, bytes);
        return bytes;
    }

    private static byte[] BigEndian16(int value) => [(byte)(value >> 8), (byte)value];
}
