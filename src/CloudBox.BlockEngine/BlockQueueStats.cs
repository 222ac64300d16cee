namespace CloudBox.BlockEngine;

/// <summary>Counters of one queue, written by its owning thread and read by anyone (diagnostics, tests, GET /vm).</summary>
public sealed class BlockQueueStats
{
    public long Submitted;
    public long Completed;
    public long Failed;
    /// <summary>Submit calls that published at least one request.</summary>
    public long Batches;
    /// <summary>Reads and writes that used a registered (pre-pinned) buffer.</summary>
    public long FixedBufferOps;
}
