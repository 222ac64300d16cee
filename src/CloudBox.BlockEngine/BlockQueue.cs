using CloudBox.Linux;
using CloudBox.Linux.Files;
using CloudBox.Linux.IoUring;

namespace CloudBox.BlockEngine;

/// <summary>
/// The io_uring engine: one ring per queue, the image as registered file 0, requests built directly in the mmapped
/// submission ring with user_data = slot index, published in batches, completions reaped from the mmapped completion
/// ring. Buffers inside registered memory go as READ_FIXED/WRITE_FIXED. Durable writes are made durable in groups
/// (<see cref="DurableWriteGroup"/>): one fdatasync, outside the slots, per group of writes that completed.
/// </summary>
public sealed unsafe class BlockQueue : IBlockQueue
{
    private const int FixedFileIndex = 0;
    private const int ReapChunk = 32;
    /// <summary>user_data of the group-commit fdatasync, which holds no slot (slot indices are small).</summary>
    private const ulong GroupSyncUserData = ulong.MaxValue;

    private readonly BlockFile _file;
    private readonly IoRing _ring;
    private readonly RequestSlots _slots;
    private readonly bool _dataSync;
    private readonly DurableWriteGroup _group;
    private byte* _registeredStart;
    private long _registeredLength;

    /// <summary>Throws <see cref="IoUringUnavailableException"/> when the kernel refuses io_uring.</summary>
    public BlockQueue(BlockFile file, BlockQueueOptions options)
    {
        if (options.MaxSegments < 1 || options.Depth < 1) throw new ArgumentOutOfRangeException(nameof(options));
        _file = file;
        _dataSync = options.DataSyncOnFlush;
        // One entry more than slots: the group-commit sync must always find room.
        _ring = new IoRing(new IoRingOptions { Entries = (uint)options.Depth + 1, SqPoll = options.SqPoll, DeferTaskRun = options.DeferTaskRun });
        try
        {
            _ring.RegisterFiles([file.Fd]);
        }
        catch
        {
            _ring.Dispose();
            throw;
        }
        _slots = new RequestSlots(options.Depth, options.MaxSegments);
        _group = new DurableWriteGroup(options.Depth);
    }

    public bool UsesIoUring => true;
    public int Depth => _slots.Depth;
    public int InFlight => _slots.InUse;
    public BlockQueueStats Stats { get; } = new();
    public bool DurableWrites { get; set; }

    /// <summary>io_uring_enter calls so far: with batching far fewer than requests.</summary>
    public long EnterCalls => _ring.EnterCalls;

    public bool SqPoll => _ring.SqPoll;

    internal IoRing Ring => _ring;

    public bool TryRead(long offset, byte* buffer, int length, ulong tag) =>
        Queue(IoUringOp.Read, IoUringOp.ReadFixed, offset, buffer, length, tag, false);

    public bool TryWrite(long offset, byte* buffer, int length, ulong tag) =>
        Queue(IoUringOp.Write, IoUringOp.WriteFixed, offset, buffer, length, tag, DurableWrites);

    public bool TryReadVector(long offset, ReadOnlySpan<IoVector> segments, ulong tag) =>
        QueueVector(IoUringOp.ReadV, offset, segments, tag, false);

    public bool TryWriteVector(long offset, ReadOnlySpan<IoVector> segments, ulong tag) =>
        QueueVector(IoUringOp.WriteV, offset, segments, tag, DurableWrites);

    /// <summary>Group-commit syncs issued so far: far fewer than durable writes when many are in flight.</summary>
    public long GroupSyncs { get; private set; }

    public bool TryFlush(ulong tag)
    {
        var sqe = Prepare(IoUringOp.Fsync, tag);
        if (sqe == null) return false;
        sqe->OpFlags = _dataSync ? IoUringAbi.FsyncDataSync : 0;
        return true;
    }

    public bool TryDiscard(long offset, long length, ulong tag)
    {
        var sqe = Prepare(IoUringOp.Fallocate, tag);
        if (sqe == null) return false;
        sqe->Offset = (ulong)offset;
        sqe->Address = (ulong)length; // fallocate takes its length in addr and its mode in len
        sqe->Length = PositionalIo.FallocPunchHole | PositionalIo.FallocKeepSize;
        return true;
    }

    public void Submit()
    {
        if (_ring.Unpublished > 0) Stats.Batches++;
        _ring.Submit(); // also retries entries the kernel left queued last time (EAGAIN/EBUSY); no call when none wait
    }

    public int Reap(Span<BlockCompletion> completions)
    {
        Span<IoUringCqe> cqes = stackalloc IoUringCqe[ReapChunk];
        var total = HandOut(completions);
        while (total < completions.Length)
        {
            // Never more kernel completions than the caller has room for: each becomes at most one of its own.
            var n = _ring.Reap(cqes[..Math.Min(ReapChunk, completions.Length - total)]);
            if (n == 0) break;
            for (var i = 0; i < n; i++)
            {
                if (cqes[i].UserData == GroupSyncUserData) _group.SyncCompleted(cqes[i].Result);
                else _group.Completed((int)cqes[i].UserData, cqes[i].Result);
            }
            total += HandOut(completions[total..]);
        }
        if (_group.SyncDue) IssueGroupSync();
        return total;
    }

    public int Wait(Span<BlockCompletion> completions, int atLeast)
    {
        if (_ring.Unpublished > 0) Stats.Batches++;
        var wanted = Math.Min(Math.Min(atLeast, InFlight), completions.Length);
        var total = 0;
        while (true)
        {
            total += Reap(completions[total..]);
            if (total >= wanted) break;
            // Held writes complete through their group's sync, one kernel completion for many of ours: wait for the
            // next one only; otherwise every one still wanted is a kernel completion of its own.
            _ring.SubmitAndWait(_group.Held > 0 ? 1u : (uint)(wanted - total));
        }
        if (_ring.Unpublished > 0) _ring.Submit();
        return total;
    }

    /// <summary>Gives the caller the completions that are ready, freeing their slots.</summary>
    private int HandOut(Span<BlockCompletion> completions)
    {
        var n = 0;
        while (n < completions.Length && _group.TryTakeReady(out var slot, out var result))
        {
            completions[n++] = new BlockCompletion(_slots.Release(slot), result);
            if (result < 0) Stats.Failed++;
        }
        Stats.Completed += n;
        return n;
    }

    /// <summary>One fdatasync for every durable write completed since the last: their completions wait for it.</summary>
    private void IssueGroupSync()
    {
        var sqe = _ring.NextSqe(); // never null: the ring has one entry more than there are slots
        sqe->Opcode = IoUringOp.Fsync;
        sqe->Flags = IoUringSqeFlags.FixedFile;
        sqe->Fd = FixedFileIndex;
        sqe->OpFlags = IoUringAbi.FsyncDataSync;
        sqe->UserData = GroupSyncUserData;
        _group.SyncIssued();
        GroupSyncs++;
        _ring.Submit();
    }

    public bool RegisterMemory(byte* start, long length)
    {
        var count = (int)((length + IoUringAbi.MaxRegisteredBuffer - 1) / IoUringAbi.MaxRegisteredBuffer);
        var buffers = new IoVector[count];
        for (var i = 0; i < count; i++)
        {
            var at = (long)i * IoUringAbi.MaxRegisteredBuffer;
            buffers[i] = new IoVector(start + at, (nuint)Math.Min(IoUringAbi.MaxRegisteredBuffer, length - at));
        }
        try
        {
            _ring.RegisterBuffers(buffers);
        }
        catch (LinuxException)
        {
            return false; // RLIMIT_MEMLOCK, or memory that cannot be pinned: plain reads and writes still work
        }
        _registeredStart = start;
        _registeredLength = length;
        return true;
    }

    public void NotifyCompletionsTo(int eventFd) => _ring.RegisterEventFd(eventFd);

    private bool Queue(IoUringOp plain, IoUringOp fixedOp, long offset, byte* buffer, int length, ulong tag, bool durable)
    {
        var at = buffer - _registeredStart;
        // A registered buffer must hold the whole transfer; one that straddles two 1 GiB registrations goes plain.
        var index = at >= 0 && at + length <= _registeredLength ? at / IoUringAbi.MaxRegisteredBuffer : -1;
        if (index >= 0 && (at + length - 1) / IoUringAbi.MaxRegisteredBuffer != index) index = -1;
        var sqe = Prepare(index >= 0 ? fixedOp : plain, tag, out var slot);
        if (sqe == null) return false;
        if (durable) _group.MarkDurable(slot);
        sqe->Offset = (ulong)offset;
        sqe->Address = (ulong)buffer;
        sqe->Length = (uint)length;
        if (index >= 0)
        {
            sqe->BufferIndex = (ushort)index;
            Stats.FixedBufferOps++;
        }
        return true;
    }

    private bool QueueVector(IoUringOp op, long offset, ReadOnlySpan<IoVector> segments, ulong tag, bool durable)
    {
        if (segments.Length > _slots.MaxSegments) throw new ArgumentOutOfRangeException(nameof(segments), "more segments than the queue was built for");
        var sqe = Prepare(op, tag, out var slot);
        if (sqe == null) return false;
        if (durable) _group.MarkDurable(slot);
        sqe->Offset = (ulong)offset;
        sqe->Address = (ulong)_slots.StoreVectors(slot, segments);
        sqe->Length = (uint)segments.Length;
        return true;
    }

    private IoUringSqe* Prepare(IoUringOp op, ulong tag) => Prepare(op, tag, out _);

    /// <summary>Takes a slot and a submission entry aimed at the registered file; null (nothing taken) when either is exhausted.</summary>
    private IoUringSqe* Prepare(IoUringOp op, ulong tag, out int slot)
    {
        slot = _slots.Take(tag);
        if (slot < 0) return null;
        var sqe = _ring.NextSqe();
        if (sqe == null)
        {
            _slots.Release(slot);
            return null;
        }
        sqe->Opcode = op;
        sqe->Flags = IoUringSqeFlags.FixedFile;
        sqe->Fd = FixedFileIndex;
        sqe->UserData = (ulong)slot;
        Stats.Submitted++;
        return sqe;
    }

    /// <summary>Waits out every request in flight and drops their completions (a device reset).</summary>
    public void Drain()
    {
        Span<BlockCompletion> sink = stackalloc BlockCompletion[ReapChunk];
        while (InFlight > 0) Wait(sink, InFlight);
    }

    public void Dispose()
    {
        Drain(); // the kernel must be done with the caller's buffers before the owner frees them
        _ring.Dispose();
        _slots.Dispose();
    }
}
