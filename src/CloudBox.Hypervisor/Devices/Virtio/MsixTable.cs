using System.Buffers.Binary;

namespace CloudBox.Hypervisor.Devices.Virtio;

/// <summary>The MSI-X table and pending-bit array of one function: 16-byte entries (address, data, vector control).</summary>
public sealed class MsixTable(int vectors)
{
    private readonly byte[] _entries = CreateEntries(vectors);
    private long _pending;

    public int Vectors { get; } = vectors;

    public volatile bool Enabled;
    public volatile bool FunctionMasked;

    public uint AddressLow(int v) => BinaryPrimitives.ReadUInt32LittleEndian(_entries.AsSpan(v * 16));
    public uint AddressHigh(int v) => BinaryPrimitives.ReadUInt32LittleEndian(_entries.AsSpan(v * 16 + 4));
    public uint Data(int v) => BinaryPrimitives.ReadUInt32LittleEndian(_entries.AsSpan(v * 16 + 8));
    public bool Masked(int v) => (Volatile.Read(ref _entries[v * 16 + 12]) & 1) != 0;

    /// <summary>Whether a signal on vector v may be delivered now.</summary>
    public bool Deliverable(int v) => Enabled && !FunctionMasked && !Masked(v);

    public void ReadTable(ulong offset, Span<byte> data)
    {
        if (offset + (ulong)data.Length > (ulong)_entries.Length) { data.Clear(); return; }
        _entries.AsSpan((int)offset, data.Length).CopyTo(data);
    }

    /// <summary>Writes the table; returns the vector touched.</summary>
    public int WriteTable(ulong offset, ReadOnlySpan<byte> data)
    {
        if (offset + (ulong)data.Length > (ulong)_entries.Length) return -1;
        data.CopyTo(_entries.AsSpan((int)offset));
        return (int)(offset / 16);
    }

    public void ReadPending(ulong offset, Span<byte> data)
    {
        data.Clear();
        if (offset == 0) BusData.Set(data, (ulong)Interlocked.Read(ref _pending));
    }

    public void SetPending(int v) => Interlocked.Or(ref _pending, 1L << v);

    /// <summary>Clears and returns whether vector v was pending.</summary>
    public bool TakePending(int v) => (Interlocked.And(ref _pending, ~(1L << v)) & (1L << v)) != 0;

    private static byte[] CreateEntries(int vectors)
    {
        var entries = new byte[vectors * 16];
        for (var v = 0; v < vectors; v++) entries[v * 16 + 12] = 1; // masked at reset
        return entries;
    }
}
