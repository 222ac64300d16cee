using CloudBox.Linux.Files;

namespace CloudBox.BlockEngine;

/// <summary>
/// The fallback when the kernel refuses io_uring: each request runs at once with pread/pwrite/preadv/pwritev (durable
/// writes: pwritev2 with RWF_DSYNC), fdatasync or fallocate on the caller's thread, and its completion waits in a
/// preallocated ring to be reaped, so callers drive both engines the same way.
/// </summary>
public sealed unsafe class SyncBlockQueue : IBlockQueue
{
    private readonly BlockFile _file;
    private readonly BlockCompletion[] _done;
    private readonly bool _dataSync;
    private int _head;
    private int _count;

    public SyncBlockQueue(BlockFile file, BlockQueueOptions options)
    {
        if (options.Depth < 1) throw new ArgumentOutOfRangeException(nameof(options));
        _file = file;
        _dataSync = options.DataSyncOnFlush;
        _done = new BlockCompletion[options.Depth];
        MaxSegments = options.MaxSegments;
    }

    public bool UsesIoUring => false;
    public int Depth => _done.Length;
    public int InFlight => _count;
    public int MaxSegments { get; }
    public BlockQueueStats Stats { get; } = new();
    public bool DurableWrites { get; set; }

    public bool TryRead(long offset, byte* buffer, int length, ulong tag) =>
        Done(tag, _count < Depth ? PositionalIo.Read(_file.Fd, buffer, length, offset) : int.MinValue);

    public bool TryWrite(long offset, byte* buffer, int length, ulong tag)
    {
        if (_count == Depth) return false;
        if (!DurableWrites) return Done(tag, PositionalIo.Write(_file.Fd, buffer, length, offset));
        var single = new IoVector(buffer, (nuint)length);
        return Done(tag, PositionalIo.WriteVector(_file.Fd, &single, 1, offset, PositionalIo.RwfDataSync));
    }

    public bool TryReadVector(long offset, ReadOnlySpan<IoVector> segments, ulong tag)
    {
        if (_count == Depth) return false;
        fixed (IoVector* v = segments) return Done(tag, PositionalIo.ReadVector(_file.Fd, v, segments.Length, offset));
    }

    public bool TryWriteVector(long offset, ReadOnlySpan<IoVector> segments, ulong tag)
    {
        if (_count == Depth) return false;
        fixed (IoVector* v = segments)
            return Done(tag, DurableWrites
                ? PositionalIo.WriteVector(_file.Fd, v, segments.Length, offset, PositionalIo.RwfDataSync)
                : PositionalIo.WriteVector(_file.Fd, v, segments.Length, offset));
    }

    public bool TryFlush(ulong tag) =>
        Done(tag, _count < Depth ? PositionalIo.Sync(_file.Fd, _dataSync) : int.MinValue);

    public bool TryDiscard(long offset, long length, ulong tag) =>
        Done(tag, _count < Depth
            ? PositionalIo.Allocate(_file.Fd, PositionalIo.FallocPunchHole | PositionalIo.FallocKeepSize, offset, length)
            : int.MinValue);

    public void Submit()
    {
    }

    public int Reap(Span<BlockCompletion> completions)
    {
        var n = Math.Min(_count, completions.Length);
        for (var i = 0; i < n; i++)
        {
            completions[i] = _done[_head];
            _head = (_head + 1) % _done.Length;
        }
        _count -= n;
        Stats.Completed += n;
        return n;
    }

    public int Wait(Span<BlockCompletion> completions, int atLeast) => Reap(completions);

    public void Drain()
    {
        Stats.Completed += _count;
        _count = 0;
    }

    public bool RegisterMemory(byte* start, long length) => false;

    public void NotifyCompletionsTo(int eventFd)
    {
    }

    /// <summary>Records a completion; int.MinValue means the request was not run because the queue is full.</summary>
    private bool Done(ulong tag, int result)
    {
        if (result == int.MinValue) return false;
        _done[(_head + _count) % _done.Length] = new BlockCompletion(tag, result);
        _count++;
        Stats.Submitted++;
        Stats.Batches++;
        if (result < 0) Stats.Failed++;
        return true;
    }

    public void Dispose()
    {
    }
}
