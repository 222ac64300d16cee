using CloudBox.Linux.Files;

namespace CloudBox.BlockEngine;

/// <summary>
/// Block requests against one file, served zero-copy from and into caller-owned memory (guest RAM). Single owner:
/// one thread queues, submits and reaps. Queue calls return false when every slot is in flight; reap, then retry.
/// Nothing is allocated per request.
/// </summary>
public unsafe interface IBlockQueue : IDisposable
{
    /// <summary>True for the io_uring engine, false for the synchronous pread/pwrite fallback.</summary>
    bool UsesIoUring { get; }

    int Depth { get; }

    /// <summary>Requests accepted and not yet reaped.</summary>
    int InFlight { get; }

    BlockQueueStats Stats { get; }

    /// <summary>
    /// Write-through: every write completes only once its data is durable, for callers whose clients never flush
    /// (io_uring: writes made durable in groups by one fdatasync each; synchronous path: RWF_DSYNC per write). Off
    /// (write-back) by default; writes queued after a change take the new mode.
    /// </summary>
    bool DurableWrites { get; set; }

    bool TryRead(long offset, byte* buffer, int length, ulong tag);

    bool TryReadVector(long offset, ReadOnlySpan<IoVector> segments, ulong tag);

    bool TryWrite(long offset, byte* buffer, int length, ulong tag);

    bool TryWriteVector(long offset, ReadOnlySpan<IoVector> segments, ulong tag);

    /// <summary>Makes writes completed before this request durable.</summary>
    bool TryFlush(ulong tag);

    /// <summary>Deallocates the range (punch hole, size kept): it reads back as zeros.</summary>
    bool TryDiscard(long offset, long length, ulong tag);

    /// <summary>Hands every queued request to the kernel at once.</summary>
    void Submit();

    /// <summary>Takes completions that are already there, without a system call.</summary>
    int Reap(Span<BlockCompletion> completions);

    /// <summary>Waits until at least <paramref name="atLeast"/> completions (bounded by those in flight) are there, then reaps.</summary>
    int Wait(Span<BlockCompletion> completions, int atLeast);

    /// <summary>Waits out every request in flight and drops their completions (a device reset).</summary>
    void Drain();

    /// <summary>
    /// Pins a memory range (guest RAM) so reads and writes inside it skip per-request page pinning. Optional; the
    /// whole range is faulted in and counted against RLIMIT_MEMLOCK. Returns false where the kernel refuses.
    /// </summary>
    bool RegisterMemory(byte* start, long length);

    /// <summary>Has an eventfd signalled whenever a completion is posted; the synchronous path completes inside the queue call and never signals.</summary>
    void NotifyCompletionsTo(int eventFd);
}
