using CloudBox.Linux;
using CloudBox.Linux.Files;
using CloudBox.Linux.IoUring;

namespace CloudBox.BlockEngine;

/// <summary>
/// One io_uring, single producer and single consumer: the owning thread fills entries in the mmapped submission
/// ring, publishes a whole batch with one io_uring_enter (none at all under SQPOLL while its thread is awake), and
/// reaps completions straight from the mmapped completion ring, entering the kernel only to wait.
/// </summary>
public sealed unsafe class IoRing : IDisposable
{
    private readonly IoUringInstance _ring;
    private readonly uint _entries;
    private uint _sqeTail;

    /// <summary>Throws <see cref="IoUringUnavailableException"/> when the kernel refuses io_uring.</summary>
    public IoRing(IoRingOptions options)
    {
        var p = new IoUringParams { Flags = IoUringSetupFlags.CqSize | IoUringSetupFlags.Clamp, CqEntries = options.Entries * 2 };
        if (options.SqPoll)
        {
            p.Flags |= IoUringSetupFlags.SqPoll;
            p.SqThreadIdle = options.SqPollIdleMilliseconds;
        }
        if (options.DeferTaskRun) p.Flags |= IoUringSetupFlags.SingleIssuer | IoUringSetupFlags.DeferTaskRun;
        _ring = IoUringInstance.Create(options.Entries, ref p);
        _entries = _ring.Parameters.SqEntries;
        SqPoll = options.SqPoll;
        // Submission slot i always holds entry i: the indirection array is set once and never touched again.
        for (uint i = 0; i < _entries; i++) _ring.SqArray[i] = i;
        _sqeTail = *_ring.SqTail;
    }

    public uint Entries => _entries;

    public bool SqPoll { get; }

    /// <summary>io_uring_enter calls made so far (submissions and waits): the cost the batching saves.</summary>
    public long EnterCalls { get; private set; }

    /// <summary>Entries filled but not yet published by <see cref="Submit"/>.</summary>
    public uint Unpublished => _sqeTail - Volatile.Read(ref *_ring.SqTail);

    /// <summary>The next free submission entry, zeroed; null when the ring is full (submit, then reap).</summary>
    public IoUringSqe* NextSqe()
    {
        if (_sqeTail - Volatile.Read(ref *_ring.SqHead) >= _entries) return null;
        var sqe = _ring.Sqes + (_sqeTail & _ring.SqMask);
        *sqe = default;
        _sqeTail++;
        return sqe;
    }

    /// <summary>The entry filled last (tests check what a request was turned into before it is submitted).</summary>
    internal IoUringSqe LastFilled => _ring.Sqes[(_sqeTail - 1) & _ring.SqMask];

    /// <summary>Publishes every filled entry and tells the kernel with one io_uring_enter (or a wake-up only if the SQPOLL thread sleeps).</summary>
    public void Submit()
    {
        Volatile.Write(ref *_ring.SqTail, _sqeTail); // entries become visible before the tail that publishes them
        if (SqPoll)
        {
            Interlocked.MemoryBarrier(); // the tail store must be ordered before reading the sleep flag
            if ((Volatile.Read(ref *_ring.SqFlags) & IoUringAbi.SqNeedWakeup) != 0) Enter(0, 0, IoUringEnterFlags.SqWakeup);
            return;
        }
        var pending = _sqeTail - Volatile.Read(ref *_ring.SqHead);
        if (pending > 0) Enter(pending, 0, IoUringEnterFlags.None);
    }

    /// <summary>Completions posted and not yet consumed.</summary>
    public uint Ready => Volatile.Read(ref *_ring.CqTail) - *_ring.CqHead;

    /// <summary>Copies up to <c>into.Length</c> posted completions out of the ring and frees their slots; no system call.</summary>
    public int Reap(Span<IoUringCqe> into)
    {
        var head = *_ring.CqHead;
        var tail = Volatile.Read(ref *_ring.CqTail); // entries are read only after the tail that published them
        var n = (int)Math.Min(tail - head, (uint)into.Length);
        for (var i = 0; i < n; i++) into[i] = _ring.Cqes[(head + (uint)i) & _ring.CqMask];
        Volatile.Write(ref *_ring.CqHead, head + (uint)n); // release the slots only after copying them
        return n;
    }

    /// <summary>
    /// Publishes filled entries and blocks until at least <paramref name="count"/> completions are posted, in a single
    /// io_uring_enter when both are needed (no system call at all when nothing is pending and enough are posted).
    /// </summary>
    public void SubmitAndWait(uint count)
    {
        if (SqPoll || Ready >= count)
        {
            Submit();
            WaitFor(count);
            return;
        }
        Volatile.Write(ref *_ring.SqTail, _sqeTail);
        var pending = _sqeTail - Volatile.Read(ref *_ring.SqHead);
        Enter(pending, count - Ready, IoUringEnterFlags.GetEvents);
        WaitFor(count);
    }

    /// <summary>Blocks until at least <paramref name="count"/> completions are posted (returns at once if they already are).</summary>
    public void WaitFor(uint count)
    {
        while (Ready < count) Enter(0, count - Ready, IoUringEnterFlags.GetEvents);
    }

    public void RegisterFiles(ReadOnlySpan<int> fds) => _ring.RegisterFiles(fds);

    public void RegisterBuffers(ReadOnlySpan<IoVector> buffers) => _ring.RegisterBuffers(buffers);

    public void RegisterEventFd(int eventFd) => _ring.RegisterEventFd(eventFd);

    private void Enter(uint toSubmit, uint minComplete, IoUringEnterFlags flags)
    {
        while (true)
        {
            EnterCalls++;
            var r = _ring.Enter(toSubmit, minComplete, flags);
            if (r >= 0) return;
            if (r == -Errno.EINTR) continue;
            // The completion ring is full or the kernel is short of memory: entries stay queued, reaping makes room.
            if (r == -Errno.EAGAIN || r == -Errno.EBUSY) return;
            throw new LinuxException("io_uring_enter", -r);
        }
    }

    public void Dispose() => _ring.Dispose();
}
