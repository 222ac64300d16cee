namespace CloudBox.Linux.Netlink;

/// <summary>
/// The data types nft gives set and map keys. The kernel only checks a key's length; the type
/// tells <c>nft list</c> how to print the elements (a concatenation packs its parts' types, six
/// bits each, the first part highest).
/// </summary>
public static class NftKeyType
{
    public const uint Ipv4Address = 7;
    public const uint Ipv6Address = 8;
    public const uint EtherAddress = 9;
    public const uint InterfaceName = 41;

    /// <summary>The type of a key made of <paramref name="parts"/> in order (nft's <c>ifname . ipv4_addr</c> and the like).</summary>
    public static uint Concatenation(params uint[] parts) => parts.Aggregate(0u, (type, part) => type << 6 | part);
}
