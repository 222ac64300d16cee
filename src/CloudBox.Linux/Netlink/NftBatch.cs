namespace CloudBox.Linux.Netlink;

/// <summary>
/// One nftables transaction over netfilter netlink: tables, chains and rules applied atomically
/// (all or nothing), as <c>nft -f</c> does. <see cref="ReplaceTable"/> makes a table exactly
/// what the batch says, whatever it held before.
/// </summary>
public sealed class NftBatch
{
    public const byte FamilyIpv4 = 2;
    public const byte FamilyInet = 1;
    public const byte FamilyBridge = 7;

    private const ushort Subsystem = 10 << 8;
    private const ushort NewTable = Subsystem | 0, GetTable = Subsystem | 1, DelTable = Subsystem | 2, NewChain = Subsystem | 3, DelChain = Subsystem | 5,
        NewRule = Subsystem | 6, DelRule = Subsystem | 8, NewSet = Subsystem | 9, DelSet = Subsystem | 11, NewSetElement = Subsystem | 12,
        DelSetElement = Subsystem | 14;
    private const ushort BatchBegin = 0x10, BatchEnd = 0x11;

    /// <summary>Bytes of set elements per message: well under the 64 KiB a nested attribute can hold.</summary>
    private const int ElementListBytes = 60_000;

    private readonly List<NetlinkMessage> _messages = [];

    public NftBatch() => _messages.Add(Header(BatchBegin, 0, 0, subsystemId: true));

    /// <summary>Creates the table if missing, deletes it with everything in it, and creates it afresh.</summary>
    public NftBatch ReplaceTable(byte family, string table)
    {
        AddTable(family, table);
        _messages.Add(Header(DelTable, 0, family).String(1, table));
        return AddTable(family, table);
    }

    public NftBatch AddTable(byte family, string table)
    {
        _messages.Add(Header(NewTable, NetlinkSocket.FlagCreate, family).String(1, table).U32BigEndian(2, 0));
        return this;
    }

    public NftBatch DeleteTable(byte family, string table)
    {
        _messages.Add(Header(DelTable, 0, family).String(1, table));
        return this;
    }

    /// <summary>Removes every rule of <paramref name="chain"/> (nft's <c>flush chain</c>).</summary>
    public NftBatch FlushChain(byte family, string table, string chain)
    {
        _messages.Add(Header(DelRule, 0, family).String(1, table).String(2, chain));
        return this;
    }

    /// <summary>Deletes <paramref name="chain"/> with its rules; nothing may still jump to it.</summary>
    public NftBatch DeleteChain(byte family, string table, string chain)
    {
        _messages.Add(Header(DelChain, 0, family).String(1, table).String(3, chain));
        return this;
    }

    /// <summary>Deletes a set or map; no rule may still look it up.</summary>
    public NftBatch DeleteSet(byte family, string table, string name)
    {
        _messages.Add(Header(DelSet, 0, family).String(1, table).String(2, name));
        return this;
    }

    /// <summary>Adds keys (addresses, or concatenations such as interface and address) to a set made earlier (in this batch or before).</summary>
    public NftBatch AddSetElements(byte family, string table, string name, uint id, IEnumerable<byte[]> keys) =>
        SetElements(NewSetElement, family, table, name, id, keys.Select(k => (k, (string?)null)));

    public NftBatch DeleteSetElements(byte family, string table, string name, IEnumerable<byte[]> keys) =>
        SetElements(DelSetElement, family, table, name, null, keys.Select(k => (k, (string?)null)));

    /// <summary>Adds key-to-jump elements to a verdict map made earlier (in this batch or before).</summary>
    public NftBatch AddMapElements(byte family, string table, string name, uint id, IEnumerable<(byte[] Key, string Chain)> elements) =>
        SetElements(NewSetElement, family, table, name, id, elements.Select(e => (e.Key, (string?)e.Chain)));

    public NftBatch DeleteMapElements(byte family, string table, string name, IEnumerable<byte[]> keys) =>
        SetElements(DelSetElement, family, table, name, null, keys.Select(k => (k, (string?)null)));

    /// <summary>
    /// Elements packed into as few messages as fit: a nested attribute's length is 16 bits, so a
    /// message's element list is closed once it passes <see cref="ElementListBytes"/> (an element
    /// is at most a few hundred bytes) and the rest go on in the next.
    /// </summary>
    private NftBatch SetElements(ushort type, byte family, string table, string name, uint? id, IEnumerable<(byte[] Key, string? Chain)> elements)
    {
        NetlinkMessage? message = null;
        var list = 0;
        foreach (var (key, chain) in elements)
        {
            if (message is null)
            {
                message = Header(type, type == NewSetElement ? NetlinkSocket.FlagCreate : (ushort)0, family).String(1, table).String(2, name);
                if (id is { } setId)
                    message.U32BigEndian(4, setId);
                list = message.BeginNested(3);
            }
            var element = message.BeginNested(1);
            var keyStart = message.BeginNested(1);
            message.Attribute(1, key);
            message.EndNested(keyStart);
            if (chain is not null)
                JumpData(message, chain);
            message.EndNested(element);
            if (message.Length - list > ElementListBytes)
            {
                message.EndNested(list);
                _messages.Add(message);
                message = null;
            }
        }
        if (message is not null)
        {
            message.EndNested(list);
            _messages.Add(message);
        }
        return this;
    }

    /// <summary>Messages in the batch besides its begin and end markers (0: nothing to commit).</summary>
    public int Count => _messages.Count - 1;

    /// <summary>True when <paramref name="table"/> exists in the namespace at <paramref name="namespacePath"/> (one netlink round trip).</summary>
    public static bool TableExists(byte family, string table, string? namespacePath)
    {
        using var socket = NetworkNamespace.Run(namespacePath, () => NetlinkSocket.Open(NetlinkSocket.Netfilter));
        return socket.Get(Header(GetTable, 0, family).String(1, table), $"get table {table}", NetlinkErrno.ENOENT) is not null;
    }

    /// <summary>A base chain on <paramref name="hook"/> (type filter/nat) with a policy, or a regular chain when <paramref name="hook"/> is null.</summary>
    public NftBatch AddChain(byte family, string table, string chain, uint? hook = null, int priority = 0, string type = "filter", bool acceptByDefault = true)
    {
        var message = Header(NewChain, NetlinkSocket.FlagCreate, family).String(1, table).String(3, chain);
        if (hook is { } hookNumber)
        {
            var nested = message.BeginNested(4);
            message.U32BigEndian(1, hookNumber).U32BigEndian(2, unchecked((uint)priority));
            message.EndNested(nested);
            message.U32BigEndian(5, acceptByDefault ? 1u : 0u);
            message.String(7, type);
        }
        _messages.Add(message);
        return this;
    }

    /// <summary>
    /// A named set of IPv4 or IPv6 addresses that rules look up in one step (<see cref="NftRule.SourceInSet"/>),
    /// so a rule about a group of many addresses stays one rule. <paramref name="id"/> is unique in the batch.
    /// </summary>
    public NftBatch AddAddressSet(byte family, string table, string name, uint id, IEnumerable<System.Net.IPAddress> addresses, bool ipv6 = false) =>
        AddSet(family, table, name, id, ipv6 ? NftKeyType.Ipv6Address : NftKeyType.Ipv4Address, ipv6 ? 16 : 4,
            addresses.Select(a => a.GetAddressBytes()).Where(a => a.Length == (ipv6 ? 16 : 4)).Distinct(ByteKeyComparer.Instance));

    /// <summary>
    /// A named set of keys of <paramref name="keyLength"/> bytes, e.g. concatenations of an interface
    /// name and an address (<see cref="NftRule.InputInterfaceAndSourceInSet"/>): a check against any
    /// number of (port, address) pairs is one hash lookup.
    /// </summary>
    public NftBatch AddSet(byte family, string table, string name, uint id, uint keyType, int keyLength, IEnumerable<byte[]> keys)
    {
        _messages.Add(KeyByteOrder(Header(NewSet, NetlinkSocket.FlagCreate, family).String(1, table).String(2, name)
            .U32BigEndian(3, 0).U32BigEndian(4, keyType).U32BigEndian(5, (uint)keyLength).U32BigEndian(10, id), keyType));
        return AddSetElements(family, table, name, id, keys.Select(k => k.Length == keyLength ? k
            : throw new ArgumentException($"set {name}: a key of {k.Length} bytes, not {keyLength}")));
    }

    /// <summary>
    /// A verdict map: key (e.g. an interface name, or an interface name and an address) to a jump
    /// into a chain made earlier in the batch, so a rule dispatching among many chains is one hash
    /// lookup (<see cref="NftRule.JumpByInputInterface"/> and friends) instead of a rule per chain.
    /// </summary>
    public NftBatch AddVerdictMap(byte family, string table, string name, uint id, uint keyType, int keyLength, IEnumerable<(byte[] Key, string Chain)> elements)
    {
        // Flags: map; data: verdicts.
        _messages.Add(KeyByteOrder(Header(NewSet, NetlinkSocket.FlagCreate, family).String(1, table).String(2, name)
            .U32BigEndian(3, 8).U32BigEndian(4, keyType).U32BigEndian(5, (uint)keyLength).U32BigEndian(6, 0xffffff00).U32BigEndian(10, id), keyType));
        return AddMapElements(family, table, name, id, elements.DistinctBy(e => e.Key, ByteKeyComparer.Instance)
            .Select(e => e.Key.Length == keyLength ? e : throw new ArgumentException($"map {name}: a key of {e.Key.Length} bytes, not {keyLength}")));
    }

    /// <summary>
    /// A key that is an interface name alone is a string in host order: without saying so (in the
    /// set's user data, which only nft reads) <c>nft list</c> prints it backwards, i.e. empty.
    /// Concatenations need nothing: nft takes each part's order from its type.
    /// </summary>
    private static NetlinkMessage KeyByteOrder(NetlinkMessage set, uint keyType) =>
        keyType == NftKeyType.InterfaceName ? set.Attribute(13, [0, 4, .. BitConverter.GetBytes(1u)]) : set; // NFTNL_UDATA_SET_KEYBYTEORDER: host

    public NftBatch AddRule(byte family, string table, string chain, NftRule rule)
    {
        var message = Header(NewRule, (ushort)(NetlinkSocket.FlagCreate | NetlinkSocket.FlagAppend), family).String(1, table).String(2, chain);
        var list = message.BeginNested(4);
        foreach (var (name, data) in rule.Expressions)
        {
            var element = message.BeginNested(1);
            message.String(1, name);
            var dataStart = message.BeginNested(2);
            data(message);
            message.EndNested(dataStart);
            message.EndNested(element);
        }
        message.EndNested(list);
        _messages.Add(message);
        return this;
    }

    /// <summary>Sends the batch on a netfilter socket in the namespace at <paramref name="namespacePath"/> (the caller's when null).</summary>
    public void Commit(string? namespacePath)
    {
        _messages.Add(Header(BatchEnd, 0, 0, subsystemId: true));
        using var socket = NetworkNamespace.Run(namespacePath, () => NetlinkSocket.Open(NetlinkSocket.Netfilter));
        socket.RequestBatch(_messages, "nftables batch");
    }

    /// <summary>A map element's data: the verdict "jump to <paramref name="chain"/>".</summary>
    private static void JumpData(NetlinkMessage message, string chain)
    {
        var data = message.BeginNested(2);
        var verdict = message.BeginNested(2);
        message.U32BigEndian(1, unchecked((uint)-3)).String(2, chain); // NFT_JUMP
        message.EndNested(verdict);
        message.EndNested(data);
    }

    private static NetlinkMessage Header(ushort type, ushort flags, byte family, bool subsystemId = false)
    {
        // nfgenmsg: family, version 0, resource id (big-endian); batch markers name the nftables subsystem.
        return new NetlinkMessage(type, flags).Append([family, 0, 0, subsystemId ? (byte)10 : (byte)0]);
    }
}
