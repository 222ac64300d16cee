using System.Runtime.InteropServices;
using CloudBox.Linux.Files;

namespace CloudBox.BlockEngine;

/// <summary>
/// The preallocated request slots of a queue: a free stack of indices, the caller's tag per slot, and native iovec
/// storage per slot (the kernel reads a vectored request's iovecs until it completes, so they must stay put).
/// </summary>
internal sealed unsafe class RequestSlots : IDisposable
{
    private readonly int[] _free;
    private readonly ulong[] _tags;
    private IoVector* _vectors;
    private int _freeCount;

    public RequestSlots(int depth, int maxSegments)
    {
        Depth = depth;
        MaxSegments = maxSegments;
        _free = new int[depth];
        _tags = new ulong[depth];
        for (var i = 0; i < depth; i++) _free[i] = depth - 1 - i;
        _freeCount = depth;
        _vectors = (IoVector*)NativeMemory.AllocZeroed((nuint)(depth * maxSegments), (nuint)sizeof(IoVector));
    }

    public int Depth { get; }
    public int MaxSegments { get; }
    public int InUse => Depth - _freeCount;

    /// <summary>Takes a free slot; -1 when all are in flight.</summary>
    public int Take(ulong tag)
    {
        if (_freeCount == 0) return -1;
        var slot = _free[--_freeCount];
        _tags[slot] = tag;
        return slot;
    }

    /// <summary>Gives a slot back and returns the tag it carried.</summary>
    public ulong Release(int slot)
    {
        _free[_freeCount++] = slot;
        return _tags[slot];
    }

    /// <summary>Copies the segments into the slot's iovec storage and returns its address.</summary>
    public IoVector* StoreVectors(int slot, ReadOnlySpan<IoVector> segments)
    {
        var target = _vectors + (long)slot * MaxSegments;
        segments.CopyTo(new Span<IoVector>(target, segments.Length));
        return target;
    }

    public void Dispose()
    {
        NativeMemory.Free(_vectors);
        _vectors = null;
    }
}
