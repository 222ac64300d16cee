using System.Buffers.Binary;
using System.Text;
using CloudBox.BlockEngine;
using CloudBox.Linux;
using CloudBox.Linux.Events;
using CloudBox.Linux.Files;
using CloudBox.Hypervisor.Kvm;

namespace CloudBox.Hypervisor.Devices.Virtio;

/// <summary>
/// virtio-blk (virtio 1.x section 5.2) on a raw image file: read, write, flush, discard, get-id, with an optional
/// read-only mode and optionally several queues (VIRTIO_BLK_F_MQ). Each virtqueue has its own block-engine queue:
/// requests go to io_uring straight from and into guest memory, a whole notification's worth per io_uring_enter, and
/// completions come back through an eventfd the transport's worker waits on. Where the kernel refuses io_uring the
/// same requests run synchronously (pread/pwrite) on the worker thread.
/// The image is written through the host page cache (write-back) for drivers that accepted VIRTIO_BLK_F_FLUSH and so
/// flush when they need durability; a driver that did not accept it assumes there is no volatile cache and never
/// flushes, so for it every write completes only once durable (write-through, RWF_DSYNC), as QEMU does.
/// </summary>
public sealed unsafe class VirtioBlock : IVirtioDevice
{
    public const int SectorSize = 512;
    private const int FeatureReadOnly = 5;
    private const int FeatureBlockSize = 6;
    private const int FeatureFlush = 9;
    private const int FeatureMultiQueue = 12;
    private const int FeatureDiscard = 13;
    private const uint RequestIn = 0;
    private const uint RequestOut = 1;
    private const uint RequestFlush = 4;
    private const uint RequestGetId = 8;
    private const uint RequestDiscard = 11;
    private const byte StatusOk = 0;
    private const byte StatusIoError = 1;
    private const byte StatusUnsupported = 2;
    private const int IdLength = 20;
    private const int HeaderLength = 16;
    private const uint MaxDiscardSectors = 1u << 22;
    private const ushort Size = 256;
    // Requests in flight per queue: beyond 64 the disk, not the queue, is the limit; chains that find no slot wait
    // in the avail ring until completions free one.
    private const int EngineDepth = 64;

    private readonly BlockFile _file;
    private readonly bool _readOnly;
    private readonly byte[] _serial = new byte[IdLength];
    private readonly ulong _capacitySectors;
    private readonly IBlockQueue[] _engines;
    private readonly Request[][] _requests;
    private readonly BlockCompletion[] _completions = new BlockCompletion[EngineDepth];
    private readonly EventFd? _completionEvents;
    private readonly int[] _extraDescriptors;
    private readonly bool _registerGuestMemory;
    private GuestMemory? _registeredMemory;
    private VirtioContext? _context;

    /// <summary>Opens the image and its engine queues now, so a bad path fails before the guest starts.</summary>
    public VirtioBlock(string path, bool readOnly, string serial, int queueCount = 1)
    {
        if (queueCount < 1) throw new ArgumentOutOfRangeException(nameof(queueCount));
        _readOnly = readOnly;
        // Buffered like QEMU's default cache mode: guest buffers need not be aligned for O_DIRECT.
        try
        {
            _file = Confinement.HeldFiles.OpenDisk(path, readOnly);
        }
        catch (LinuxException e)
        {
            // Callers (the VMM's setup) treat a disk that cannot be opened as an IOException, as File.OpenHandle raised.
            throw e.Errno == 13 ? new UnauthorizedAccessException(e.Message, e) : new IOException(e.Message, e);
        }
        _capacitySectors = (ulong)_file.Length / SectorSize;
        Encoding.ASCII.GetBytes(serial.Length > IdLength ? serial[..IdLength] : serial).CopyTo(_serial, 0);
        QueueCount = queueCount;
        _engines = new IBlockQueue[queueCount];
        _requests = new Request[queueCount][];
        // CLOUDBOX_BLOCK_ENGINE=sync forces the synchronous path (diagnosing a suspected io_uring problem, comparisons);
        // =io_uring-fixed also registers guest RAM with each ring, which pins (and so allocates) all of it up front.
        var engineChoice = Environment.GetEnvironmentVariable("CLOUDBOX_BLOCK_ENGINE");
        _registerGuestMemory = engineChoice == "io_uring-fixed";
        var options = new BlockQueueOptions { Depth = EngineDepth, MaxSegments = Size, ForceSynchronous = engineChoice == "sync" };
        try
        {
            for (var q = 0; q < queueCount; q++)
            {
                _engines[q] = BlockQueues.Open(_file, options, out var reason);
                EngineFallbackReason ??= reason;
                _requests[q] = new Request[Size];
            }
            if (Array.Exists(_engines, e => e.UsesIoUring))
            {
                _completionEvents = new EventFd();
                foreach (var engine in _engines) engine.NotifyCompletionsTo(_completionEvents.Fd);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
        _extraDescriptors = _completionEvents == null ? [] : [_completionEvents.Fd];
    }

    public ushort DeviceType => 2;
    public uint PciClass => 0x010000; // mass storage, SCSI (what QEMU reports for virtio-blk)
    // VIRTIO_BLK_F_CONFIG_WCE (11, a driver-writable writeback field) is not offered: the cache mode follows FLUSH alone.
    public ulong Features => (1UL << FeatureBlockSize) | (1UL << FeatureFlush)
        | (_readOnly ? 1UL << FeatureReadOnly : 1UL << FeatureDiscard)
        | (QueueCount > 1 ? 1UL << FeatureMultiQueue : 0);
    public int QueueCount { get; }
    public ushort QueueSize => Size;
    public int ConfigLength => 60;
    public ReadOnlySpan<int> ExtraDescriptors => _extraDescriptors;
    public VirtioStats Stats { get; } = new();

    /// <summary>Whether requests go through io_uring (false: the synchronous fallback).</summary>
    public bool UsesIoUring => _engines[0].UsesIoUring;

    /// <summary>Why the synchronous path is used, or null when io_uring serves the disk.</summary>
    public string? EngineFallbackReason { get; }

    /// <summary>
    /// Whether writes complete only once durable: set at DRIVER_OK when the driver did not accept VIRTIO_BLK_F_FLUSH
    /// (it will never flush). False (write-back) while no driver is active.
    /// </summary>
    public bool WriteThrough { get; private set; }

    /// <summary>Whether guest RAM is registered with the rings (reads and writes then skip per-request page pinning).</summary>
    public bool GuestMemoryRegistered { get; private set; }

    /// <summary>The engine counters of one queue (submissions, completions, batches).</summary>
    public BlockQueueStats EngineStats(int queue) => _engines[queue].Stats;

    public void ReadConfig(int offset, Span<byte> data)
    {
        Span<byte> config = stackalloc byte[64];
        config.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(config, _capacitySectors);
        BinaryPrimitives.WriteUInt32LittleEndian(config[20..], SectorSize); // blk_size
        BinaryPrimitives.WriteUInt16LittleEndian(config[34..], (ushort)QueueCount); // num_queues
        BinaryPrimitives.WriteUInt32LittleEndian(config[36..], MaxDiscardSectors); // max_discard_sectors
        BinaryPrimitives.WriteUInt32LittleEndian(config[40..], 1); // max_discard_seg
        BinaryPrimitives.WriteUInt32LittleEndian(config[44..], 8); // discard_sector_alignment (4 KiB)
        if (offset < 0 || offset + data.Length > ConfigLength) { data.Clear(); return; }
        config.Slice(offset, data.Length).CopyTo(data);
    }

    public void Activate(VirtioContext context)
    {
        if (_registerGuestMemory && _registeredMemory != context.Memory)
        {
            // Guest RAM is one mapping: the low part, then the part above 4 GiB right after it.
            var memory = context.Memory;
            var start = memory.TryTranslate(0, memory.LowSize);
            var pinned = start != null;
            foreach (var engine in _engines) pinned &= engine.RegisterMemory(start, (long)memory.Size);
            GuestMemoryRegistered = pinned;
            _registeredMemory = memory;
        }
        WriteThrough = (context.Features & (1UL << FeatureFlush)) == 0;
        foreach (var engine in _engines) engine.DurableWrites = WriteThrough;
        _context = context;
        if (_completionEvents != null) context.SetEventInterest(0, true);
    }

    /// <summary>Waits out requests in flight (they write guest memory) and forgets them: the rings they belong to are gone.</summary>
    public void Reset()
    {
        _context = null;
        WriteThrough = false;
        foreach (var engine in _engines) engine.Drain();
        _completionEvents?.Consume();
    }

    /// <summary>The completion eventfd fired: finish what the kernel completed, then take requests that waited for a slot.</summary>
    public void ProcessEvent(int index)
    {
        _completionEvents?.Consume();
        for (var q = 0; q < QueueCount; q++) ProcessQueue(q);
    }

    public void ProcessQueue(int queue) => Serve(queue);

    /// <summary>Disks are polled while busy: a guest that keeps its disk busy then makes no exit per request.</summary>
    public bool PollWhileBusy => true;

    public bool Poll(int queue) => Serve(queue);

    public int InFlight
    {
        get
        {
            var total = 0;
            foreach (var engine in _engines) total += engine.InFlight;
            return total;
        }
    }

    /// <summary>Starts what the driver made available and finishes what the engine completed; true when there was either.</summary>
    private bool Serve(int queue)
    {
        var context = _context;
        if (context == null) return false;
        var q = context.Queues[queue];
        var engine = _engines[queue];
        var served = false;
        var started = false;
        while (true)
        {
            var stalled = false;
            while (q.TryPop())
            {
                started = true;
                var outcome = engine.InFlight < engine.Depth ? Start(context, q, queue, engine) : Outcome.NoRoom;
                if (outcome == Outcome.NoRoom)
                {
                    q.Unpop();
                    stalled = true;
                    break;
                }
                served |= outcome == Outcome.Answered;
            }
            engine.Submit();
            var reaped = 0;
            int n;
            while ((n = engine.Reap(_completions)) > 0)
            {
                for (var i = 0; i < n; i++) Finish(q, queue, _completions[i]);
                reaped += n;
            }
            served |= reaped > 0;
            // Slots freed while chains still wait: take them now (io_uring would also call back through the eventfd,
            // but the synchronous path has no eventfd and the driver will not notify again for chains already offered).
            if (!stalled || reaped == 0) break;
        }
        if (served) context.Interrupt(queue);
        return served || started;
    }

    /// <summary>Turns one chain into an engine request, or answers it at once when it needs no file I/O or is invalid.</summary>
    private Outcome Start(VirtioContext context, Virtqueue q, int queue, IBlockQueue engine)
    {
        var chain = q.Chain.AsSpan(0, q.ChainLength);
        var head = q.ChainHead;
        var last = chain[^1];
        if (chain.Length < 2 || chain[0].Length < HeaderLength || !last.Writable || last.Length < 1)
            throw new InvalidDataException("virtio-blk request without header or status");
        var header = context.Memory.Span(chain[0].Address, HeaderLength);
        var type = BinaryPrimitives.ReadUInt32LittleEndian(header);
        var sector = BinaryPrimitives.ReadUInt64LittleEndian(header[8..]);
        var data = chain[1..^1];
        ref var request = ref _requests[queue][head];
        request = new Request(context.Memory.TryTranslate(last.Address, 1), type, 0);
        if (request.Status == null) throw new GuestMemoryException(last.Address, 1);
        var tag = (ulong)head;
        switch (type)
        {
            case RequestIn:
            case RequestOut:
            {
                Span<IoVector> segments = stackalloc IoVector[data.Length];
                var offset = (long)(sector * SectorSize);
                var length = 0u;
                for (var i = 0; i < data.Length; i++)
                {
                    var d = data[i];
                    var p = context.Memory.TryTranslate(d.Address, d.Length);
                    if (d.Writable != (type == RequestIn) || p == null) return Answer(q, ref request, head, StatusIoError);
                    segments[i] = new IoVector(p, d.Length);
                    length += d.Length;
                }
                if (!InRange(offset, length) || (type == RequestOut && _readOnly)) return Answer(q, ref request, head, StatusIoError);
                request.Length = length;
                bool queued;
                if (segments.Length == 1)
                    queued = type == RequestIn
                        ? engine.TryRead(offset, segments[0].Base, (int)length, tag)
                        : engine.TryWrite(offset, segments[0].Base, (int)length, tag);
                else
                    queued = type == RequestIn ? engine.TryReadVector(offset, segments, tag) : engine.TryWriteVector(offset, segments, tag);
                return queued ? Outcome.Queued : Outcome.NoRoom;
            }
            case RequestFlush:
                if (_readOnly)
                {
                    Stats.OtherOps++;
                    return Answer(q, ref request, head, StatusOk); // nothing was written, nothing to make durable
                }
                return engine.TryFlush(tag) ? Outcome.Queued : Outcome.NoRoom;
            case RequestGetId:
            {
                if (data.Length < 1 || !data[0].Writable) return Answer(q, ref request, head, StatusIoError);
                var length = (int)Math.Min(data[0].Length, IdLength);
                _serial.AsSpan(0, length).CopyTo(context.Memory.Span(data[0].Address, length));
                request.Length = (uint)length;
                Stats.OtherOps++;
                return Answer(q, ref request, head, StatusOk);
            }
            case RequestDiscard:
            {
                // Each segment is {sector u64, num_sectors u32, flags u32}; we offer max_discard_seg = 1.
                if (_readOnly || data.Length != 1 || data[0].Length < 16) return Answer(q, ref request, head, StatusIoError);
                var segment = context.Memory.Span(data[0].Address, 16);
                var start = (long)(BinaryPrimitives.ReadUInt64LittleEndian(segment) * SectorSize);
                var length = (long)BinaryPrimitives.ReadUInt32LittleEndian(segment[8..]) * SectorSize;
                if (!InRange(start, (ulong)length)) return Answer(q, ref request, head, StatusIoError);
                return engine.TryDiscard(start, length, tag) ? Outcome.Queued : Outcome.NoRoom;
            }
            default:
                return Answer(q, ref request, head, StatusUnsupported);
        }
    }

    /// <summary>Finishes a chain without file I/O. Data a get-id copied counts as written; a failed request writes only its status.</summary>
    private static Outcome Answer(Virtqueue q, ref Request request, ushort head, byte status)
    {
        *request.Status = status;
        q.PushUsed(head, (status == StatusOk ? request.Length : 0) + 1);
        return Outcome.Answered;
    }

    /// <summary>Turns the kernel's answer into the request's status and gives the chain back to the driver.</summary>
    private void Finish(Virtqueue q, int queue, BlockCompletion completion)
    {
        var head = (ushort)completion.Tag;
        ref var request = ref _requests[queue][head];
        var ok = completion.Result >= 0 && (uint)completion.Result == request.Length; // a short transfer is an I/O error
        var status = ok ? StatusOk : completion.Result == -Errno.EOPNOTSUPP ? StatusUnsupported : StatusIoError;
        var written = 1u;
        switch (request.Type)
        {
            case RequestIn when ok:
                Stats.ReadOps++;
                Stats.ReadBytes += request.Length;
                written += request.Length;
                break;
            case RequestOut when ok:
                Stats.WriteOps++;
                Stats.WriteBytes += request.Length;
                break;
            case RequestFlush or RequestDiscard:
                Stats.OtherOps++;
                break;
        }
        *request.Status = status;
        q.PushUsed(head, written);
    }

    private bool InRange(long offset, ulong length) => (ulong)offset + length <= _capacitySectors * SectorSize;

    public void Dispose()
    {
        if (_engines != null) foreach (var engine in _engines) engine?.Dispose();
        _completionEvents?.Dispose();
        _file?.Dispose();
    }

    private enum Outcome
    {
        Queued,
        Answered,
        NoRoom,
    }

    /// <summary>What a chain in flight needs when it completes: where its status byte goes and how much data it moves.</summary>
    private struct Request(byte* status, uint type, uint length)
    {
        public byte* Status = status;
        public uint Type = type;
        public uint Length = length;
    }
}
