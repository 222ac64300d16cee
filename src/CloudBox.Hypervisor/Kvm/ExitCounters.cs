using CloudBox.Linux.Kvm;

namespace CloudBox.Hypervisor.Kvm;

/// <summary>
/// Exits counted by reason, I/O exits by port and MMIO exits by 4 KiB page. Plain increments from vCPU threads:
/// the counts are diagnostics, a lost increment under a race is acceptable, an interlocked one per exit is not.
/// </summary>
public sealed class ExitCounters
{
    private const int MmioSlots = 512;

    private readonly long[] _byReason = new long[(int)KvmExitReason.Count];
    private readonly long[] _byPort = new long[65536];
    private readonly ulong[] _mmioPages = new ulong[MmioSlots];
    private readonly long[] _mmioCounts = new long[MmioSlots];

    public void Count(KvmExitReason reason)
    {
        var r = (uint)reason < (uint)_byReason.Length ? (int)reason : 0;
        _byReason[r]++;
    }

    public void CountPort(ushort port) => _byPort[port]++;

    public void CountMmio(ulong address)
    {
        var page = (address >> 12) | (1UL << 63); // tag bit so page 0 differs from an empty slot
        var slot = (int)((page * 0x9E3779B97F4A7C15UL) >> 55) & (MmioSlots - 1);
        for (var probe = 0; probe < 8; probe++)
        {
            var i = (slot + probe) & (MmioSlots - 1);
            if (_mmioPages[i] == page) { _mmioCounts[i]++; return; }
            if (_mmioPages[i] == 0) { _mmioPages[i] = page; _mmioCounts[i]++; return; }
        }
    }

    public long Total
    {
        get
        {
            long sum = 0;
            foreach (var c in _byReason) sum += c;
            return sum;
        }
    }

    public long ByReason(KvmExitReason reason) => _byReason[(int)reason];

    /// <summary>Non-zero counts by reason name.</summary>
    public List<KeyValuePair<string, long>> Reasons()
    {
        var list = new List<KeyValuePair<string, long>>();
        for (var i = 0; i < _byReason.Length; i++)
            if (_byReason[i] != 0)
                list.Add(new(Enum.IsDefined((KvmExitReason)i) ? ((KvmExitReason)i).ToString() : $"reason{i}", _byReason[i]));
        return list;
    }

    /// <summary>The busiest I/O ports, "0x3f8" → count.</summary>
    public List<KeyValuePair<string, long>> TopPorts(int count)
    {
        var list = new List<KeyValuePair<string, long>>();
        for (var p = 0; p < _byPort.Length; p++)
            if (_byPort[p] != 0) list.Add(new($"0x{p:x}", _byPort[p]));
        list.Sort((a, b) => b.Value.CompareTo(a.Value));
        if (list.Count > count) list.RemoveRange(count, list.Count - count);
        return list;
    }

    /// <summary>The busiest MMIO pages, "0xfee00000" → count.</summary>
    public List<KeyValuePair<string, long>> TopMmioPages(int count)
    {
        var list = new List<KeyValuePair<string, long>>();
        for (var i = 0; i < MmioSlots; i++)
            if (_mmioPages[i] != 0) list.Add(new($"0x{(_mmioPages[i] & ~(1UL << 63)) << 12:x}", _mmioCounts[i]));
        list.Sort((a, b) => b.Value.CompareTo(a.Value));
        if (list.Count > count) list.RemoveRange(count, list.Count - count);
        return list;
    }
}
