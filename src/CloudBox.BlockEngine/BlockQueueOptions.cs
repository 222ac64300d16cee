namespace CloudBox.BlockEngine;

/// <summary>How a block queue is built.</summary>
public sealed record BlockQueueOptions
{
    /// <summary>Requests in flight at most (slots preallocated up front).</summary>
    public int Depth { get; init; } = 64;

    /// <summary>Buffers one vectored request may have (iovec storage is preallocated per slot).</summary>
    public int MaxSegments { get; init; } = 32;

    /// <summary>fdatasync for flushes (enough for a raw image whose size never changes); fsync when false.</summary>
    public bool DataSyncOnFlush { get; init; } = true;

    /// <summary>Submission polling by a kernel thread (io_uring only).</summary>
    public bool SqPoll { get; init; }

    /// <summary>See <see cref="IoRingOptions.DeferTaskRun"/>: for owners that reap only through <see cref="IBlockQueue.Wait"/>.</summary>
    public bool DeferTaskRun { get; init; }

    /// <summary>Use the synchronous path even where io_uring works (diagnostics, comparisons).</summary>
    public bool ForceSynchronous { get; init; }
}
