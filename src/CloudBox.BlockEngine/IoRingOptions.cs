namespace CloudBox.BlockEngine;

/// <summary>How a ring is set up.</summary>
public sealed record IoRingOptions
{
    /// <summary>Submission entries (a power of two; the kernel rounds up). Completions get twice as many.</summary>
    public uint Entries { get; init; } = 64;

    /// <summary>
    /// A kernel thread polls the submission ring, so submitting needs no system call while it is awake; it costs a
    /// core spinning for <see cref="SqPollIdleMilliseconds"/> after the last request.
    /// </summary>
    public bool SqPoll { get; init; }

    public uint SqPollIdleMilliseconds { get; init; } = 50;

    /// <summary>
    /// Completion work runs only when the owner waits in io_uring_enter (SINGLE_ISSUER | DEFER_TASKRUN), not by
    /// interrupting it: cheaper for an owner that always waits for completions this way, wrong for one that waits
    /// on a completion eventfd instead. The creating thread must be the only one that submits.
    /// </summary>
    public bool DeferTaskRun { get; init; }
}
