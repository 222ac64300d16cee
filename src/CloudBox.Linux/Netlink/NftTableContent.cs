namespace CloudBox.Linux.Netlink;

/// <summary>
/// Everything one nftables table should hold: chains with their rules, address sets and verdict
/// maps. It is written either from scratch (<see cref="WriteWhole"/>) or as the difference from
/// the content written before (<see cref="WriteChanges"/>): only the chains whose rules changed are
/// flushed and refilled, only the set and map elements that came or went are added or deleted, so a
/// change to one port out of a thousand is a handful of messages instead of the whole table.
/// </summary>
public sealed class NftTableContent(byte family, string table)
{
    private readonly Dictionary<string, Chain> _chains = [];
    private readonly List<string> _chainOrder = [];
    private readonly Dictionary<string, Elements> _sets = [];

    public byte Family { get; } = family;
    public string Table { get; } = table;

    private sealed class Chain(uint? hook, int priority, string type)
    {
        public uint? Hook { get; } = hook;
        public int Priority { get; } = priority;
        public string Type { get; } = type;
        public List<NftRule> Rules { get; } = [];
        private byte[]? _serialized;

        /// <summary>The rules as the kernel would receive them, made once and only when compared: equal bytes, equal rules.</summary>
        public byte[] Serialized => _serialized ??= Serialize();

        private byte[] Serialize()
        {
            var message = new NetlinkMessage(0, 0);
            foreach (var rule in Rules)
            {
                var start = message.BeginNested(1);
                foreach (var (name, data) in rule.Expressions)
                {
                    message.String(1, name);
                    var dataStart = message.BeginNested(2);
                    data(message);
                    message.EndNested(dataStart);
                }
                message.EndNested(start);
            }
            return message.Complete(0).ToArray();
        }
    }

    /// <summary>A set (elements without a chain) or a verdict map: each key with the chain it jumps to.</summary>
    private sealed class Elements(uint id, uint keyType, int keyLength, bool map)
    {
        public uint Id { get; } = id;
        public uint KeyType { get; } = keyType;
        public int KeyLength { get; } = keyLength;
        public bool IsMap { get; } = map;
        public Dictionary<byte[], string?> ByKey { get; } = new(ByteKeyComparer.Instance);
    }

    /// <summary>Declares a chain (a base chain on <paramref name="hook"/>, else a regular one); declaring it again is a no-op.</summary>
    public NftTableContent AddChain(string chain, uint? hook = null, int priority = 0, string type = "filter")
    {
        if (_chains.TryAdd(chain, new Chain(hook, priority, type)))
            _chainOrder.Add(chain);
        return this;
    }

    public NftTableContent AddRule(string chain, NftRule rule)
    {
        _chains[chain].Rules.Add(rule);
        return this;
    }

    public NftTableContent AddAddressSet(string name, uint id, IEnumerable<System.Net.IPAddress> addresses, bool ipv6 = false) =>
        AddSet(name, id, ipv6 ? NftKeyType.Ipv6Address : NftKeyType.Ipv4Address, ipv6 ? 16 : 4,
            addresses.Select(a => a.GetAddressBytes()).Where(k => k.Length == (ipv6 ? 16 : 4)));

    /// <summary>A set of keys of <paramref name="keyLength"/> bytes (see <see cref="NftKeyType"/>); a key given twice is one element.</summary>
    public NftTableContent AddSet(string name, uint id, uint keyType, int keyLength, IEnumerable<byte[]> keys)
    {
        var set = new Elements(id, keyType, keyLength, map: false);
        foreach (var key in keys)
        {
            if (key.Length != keyLength)
                throw new ArgumentException($"set {name}: a key of {key.Length} bytes, not {keyLength}");
            set.ByKey.TryAdd(key, null);
        }
        _sets[name] = set;
        return this;
    }

    public NftTableContent AddVerdictMap(string name, uint id, uint keyType, int keyLength, IEnumerable<(byte[] Key, string Chain)> elements)
    {
        var map = new Elements(id, keyType, keyLength, map: true);
        foreach (var (key, chain) in elements)
        {
            if (key.Length != keyLength)
                throw new ArgumentException($"map {name}: a key of {key.Length} bytes, not {keyLength}");
            map.ByKey.TryAdd(key, chain);
        }
        _sets[name] = map;
        return this;
    }

    /// <summary>Replaces the table, whatever it held, with this content.</summary>
    public void WriteWhole(NftBatch batch)
    {
        batch.ReplaceTable(Family, Table);
        foreach (var name in _chainOrder)
            DeclareChain(batch, name);
        foreach (var (name, elements) in _sets)
            DeclareSet(batch, name, elements);
        foreach (var name in _chainOrder)
            FillChain(batch, name);
    }

    /// <summary>
    /// Adds to <paramref name="batch"/> what turns <paramref name="previous"/> (what the kernel holds,
    /// as last written) into this content; nothing when they are equal.
    /// </summary>
    /// <remarks>
    /// Order matters inside the transaction: new chains before what jumps to them; references
    /// (rules, map elements) to a chain or set removed before it goes.
    /// </remarks>
    public void WriteChanges(NftBatch batch, NftTableContent previous)
    {
        if (previous.Family != Family || previous.Table != Table)
            throw new ArgumentException("not the same table");
        foreach (var name in _chainOrder.Where(c => !previous._chains.ContainsKey(c)))
            DeclareChain(batch, name);
        foreach (var (name, elements) in _sets)
        {
            if (!previous._sets.TryGetValue(name, out var before))
            {
                DeclareSet(batch, name, elements);
                continue;
            }
            var gone = before.ByKey.Where(e => !elements.ByKey.TryGetValue(e.Key, out var now) || now != e.Value).Select(e => e.Key).ToList();
            var came = elements.ByKey.Where(e => !before.ByKey.TryGetValue(e.Key, out var then) || then != e.Value).ToList();
            if (gone.Count > 0)
                batch.DeleteSetElements(Family, Table, name, gone);
            if (came.Count == 0)
                continue;
            if (elements.IsMap)
                batch.AddMapElements(Family, Table, name, elements.Id, came.Select(e => (e.Key, e.Value!)));
            else
                batch.AddSetElements(Family, Table, name, elements.Id, came.Select(e => e.Key));
        }
        foreach (var name in _chainOrder)
        {
            if (previous._chains.TryGetValue(name, out var before))
            {
                if (before.Serialized.AsSpan().SequenceEqual(_chains[name].Serialized))
                    continue;
                batch.FlushChain(Family, Table, name);
            }
            FillChain(batch, name);
        }
        // A map that goes first lets go of the chains it jumps to; a chain that goes takes its rules
        // (and their references to sets) with it; then the sets and maps themselves.
        var goneSets = previous._sets.Where(s => !_sets.ContainsKey(s.Key)).ToList();
        foreach (var (name, elements) in goneSets.Where(s => s.Value.IsMap && s.Value.ByKey.Count > 0))
            batch.DeleteMapElements(Family, Table, name, elements.ByKey.Keys);
        foreach (var name in previous._chainOrder.Where(c => !_chains.ContainsKey(c)))
            batch.DeleteChain(Family, Table, name);
        foreach (var (name, _) in goneSets)
            batch.DeleteSet(Family, Table, name);
    }

    private void DeclareChain(NftBatch batch, string name)
    {
        var chain = _chains[name];
        batch.AddChain(Family, Table, name, chain.Hook, chain.Priority, chain.Type);
    }

    private void DeclareSet(NftBatch batch, string name, Elements elements)
    {
        if (elements.IsMap)
            batch.AddVerdictMap(Family, Table, name, elements.Id, elements.KeyType, elements.KeyLength, elements.ByKey.Select(e => (e.Key, e.Value!)));
        else
            batch.AddSet(Family, Table, name, elements.Id, elements.KeyType, elements.KeyLength, elements.ByKey.Keys);
    }

    private void FillChain(NftBatch batch, string name)
    {
        foreach (var rule in _chains[name].Rules)
            batch.AddRule(Family, Table, name, rule);
    }
}
