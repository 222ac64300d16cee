using System.Buffers.Binary;
using System.Text;
using CloudBox.Hypervisor.Devices.Virtio;
using CloudBox.Hypervisor.Kvm;
using CloudBox.Linux.Files;

namespace CloudBox.Hypervisor.Tests;

/// <summary>
/// The virtio-blk model driven the way a guest driver drives it, on real guest memory (a memfd) and a real image file:
/// chains offered on the avail ring, notifications, used entries back. Proves the requests go through io_uring in
/// batches and land in the file.
/// </summary>
[TestFixture(true)]
[TestFixture(false)]
public sealed unsafe class VirtioBlockTests(bool ioUring)
{
    private const ushort Size = 256;
    private const ulong Descriptors = 0x10000;
    private const ulong Avail = 0x11000;
    private const ulong Used = 0x12000;
    private const ulong Headers = 0x20000;
    private const ulong Statuses = 0x24000;
    private const ulong DataArea = 0x100000;
    private const int Block = 4096;

    private GuestMemory _memory = null!;
    private Virtqueue _queue = null!;
    private string _image = null!;
    private VirtioBlock _block = null!;
    private int _interrupts;

    [SetUp]
    public void Create()
    {
        _memory = new GuestMemory(4 * MemoryLayout.MiB);
        _queue = new Virtqueue(_memory, Size) { DescriptorTable = Descriptors, AvailRing = Avail, UsedRing = Used, Enabled = true };
        _image = Path.Combine(Path.GetTempPath(), $"cloudbox-virtio-blk-{Guid.NewGuid():N}.img");
        using (var f = File.Create(_image)) f.SetLength(8L << 20);
        _block = Open(readOnly: false);
    }

    [TearDown]
    public void Destroy()
    {
        _block.Dispose();
        _memory.Dispose();
        File.Delete(_image);
    }

    [Test]
    public void Requests_of_one_notification_reach_the_engine_in_one_batch_and_come_back_on_the_used_ring()
    {
        Assert.That(_block.ExtraDescriptors.Length, Is.EqualTo(ioUring ? 1 : 0), "the completion eventfd is waited on by the transport");
        const int count = 32;
        for (var i = 0; i < count; i++)
        {
            _memory.Span(DataArea + (ulong)i * Block, Block).Fill((byte)(i + 1));
            Offer(i, type: 1, sector: (ulong)(i * Block / VirtioBlock.SectorSize), DataArea + (ulong)i * Block, Block);
        }
        _block.ProcessQueue(0);
        AwaitUsed(count);

        Assert.That(_block.EngineStats(0).Submitted, Is.EqualTo(count));
        if (ioUring) Assert.That(_block.EngineStats(0).Batches, Is.EqualTo(1), "one io_uring_enter for the whole notification");
        for (var i = 0; i < count; i++) Assert.That(_memory.Read<byte>(Statuses + (ulong)i), Is.Zero, $"status of request {i}");
        var file = File.ReadAllBytes(_image);
        for (var i = 0; i < count; i++) Assert.That(file[i * Block + 100], Is.EqualTo((byte)(i + 1)));
        Assert.That(_block.Stats.WriteOps, Is.EqualTo(count));
        Assert.That(_interrupts, Is.GreaterThan(0));

        // Read them back into other guest pages.
        _memory.Span(DataArea, count * Block).Clear();
        for (var i = 0; i < count; i++)
            Offer(i, type: 0, sector: (ulong)(i * Block / VirtioBlock.SectorSize), DataArea + (ulong)i * Block, Block, write: true);
        _block.ProcessQueue(0);
        AwaitUsed(2 * count);
        for (var i = 0; i < count; i++)
            Assert.That(_memory.Span(DataArea + (ulong)i * Block, Block).IndexOfAnyExcept((byte)(i + 1)), Is.EqualTo(-1));
        Assert.That(UsedLength(2 * count - 1), Is.EqualTo(Block + 1), "data plus the status byte");
        Assert.That(_block.Stats.ReadOps, Is.EqualTo(count));
    }

    [Test]
    public void Flush_discard_and_get_id_are_honoured()
    {
        _memory.Span(DataArea, 64 * Block).Fill(0x77);
        Offer(0, type: 1, sector: 0, DataArea, 64 * Block);
        Offer(1, type: 4, sector: 0, 0, 0);
        _block.ProcessQueue(0);
        AwaitUsed(2);
        var discard = _memory.Span(DataArea + 64 * Block, 16);
        BinaryPrimitives.WriteUInt64LittleEndian(discard, 16 * Block / VirtioBlock.SectorSize);
        BinaryPrimitives.WriteUInt32LittleEndian(discard[8..], 8 * Block / VirtioBlock.SectorSize);
        Offer(2, type: 11, sector: 0, DataArea + 64 * Block, 16);
        Offer(3, type: 8, sector: 0, DataArea + 65 * Block, 20, write: true);
        _block.ProcessQueue(0);
        AwaitUsed(4);

        for (var i = 0; i < 4; i++) Assert.That(_memory.Read<byte>(Statuses + (ulong)i), Is.Zero, $"status of request {i}");
        using var file = File.OpenHandle(_image);
        Assert.That(PositionalIo.NextHole((int)file.DangerousGetHandle(), 0), Is.EqualTo(16 * Block), "the discarded range is a hole");
        Assert.That(Encoding.ASCII.GetString(_memory.Span(DataArea + 65 * Block, 12)), Is.EqualTo("serial-12345"));
        Assert.That(_block.Stats.OtherOps, Is.EqualTo(3));
    }

    [Test]
    public void A_read_only_disk_refuses_writes_and_an_out_of_range_read_fails_alone()
    {
        _block.Dispose();
        _block = Open(readOnly: true);
        Offer(0, type: 1, sector: 0, DataArea, Block);
        Offer(1, type: 0, sector: (8 << 20) / VirtioBlock.SectorSize, DataArea, Block, write: true);
        Offer(2, type: 0, sector: 0, DataArea, Block, write: true);
        _block.ProcessQueue(0);
        AwaitUsed(3);
        Assert.That(_memory.Read<byte>(Statuses + 0), Is.EqualTo(1), "write to a read-only disk");
        Assert.That(_memory.Read<byte>(Statuses + 1), Is.EqualTo(1), "read past the capacity");
        Assert.That(_memory.Read<byte>(Statuses + 2), Is.Zero);
    }

    [Test]
    public void More_requests_than_engine_slots_are_all_served_from_one_notification()
    {
        // 128 flushes (two descriptors each), twice the engine's 64 slots: the device must reap and go on popping
        // by itself, since the driver will not notify again for chains it already offered.
        const int count = 128;
        for (var i = 0; i < count; i++)
        {
            var first = i * 2;
            var header = Headers + (ulong)i * 16;
            BinaryPrimitives.WriteUInt32LittleEndian(_memory.Span(header, 4), 4);
            WriteDescriptor(first, header, 16, first + 1, false);
            WriteDescriptor(first + 1, Statuses + (ulong)i, 1, null, true);
            var index = _memory.Read<ushort>(Avail + 2);
            _memory.Write(Avail + 4 + (ulong)(index % Size) * 2, (ushort)first);
            _memory.Write(Avail + 2, (ushort)(index + 1));
        }
        _block.ProcessQueue(0);
        if (!ioUring) Assert.That(_memory.Read<ushort>(Used + 2), Is.EqualTo(count), "the synchronous path has no eventfd to call it back");
        AwaitUsed(count); // io_uring: the completion eventfd brings the device back for the chains that waited
        Assert.That(_block.Stats.OtherOps, Is.EqualTo(count));
    }

    [Test]
    public void Registered_guest_memory_serves_requests_as_fixed_buffers()
    {
        _block.Dispose();
        _block = Open(readOnly: false, engine: "io_uring-fixed");
        Assert.That(_block.GuestMemoryRegistered, Is.True);
        _memory.Span(DataArea, Block).Fill(0x3C);
        Offer(0, type: 1, sector: 8, DataArea, Block);
        _block.ProcessQueue(0);
        AwaitUsed(1); // requests in one batch are not ordered: read only once the write is done
        Offer(1, type: 0, sector: 8, DataArea + Block, Block, write: true);
        _block.ProcessQueue(0);
        AwaitUsed(2);
        Assert.That(_block.EngineStats(0).FixedBufferOps, Is.EqualTo(2));
        Assert.That(_memory.Span(DataArea + Block, Block).IndexOfAnyExcept((byte)0x3C), Is.EqualTo(-1));
    }

    [Test]
    public void A_driver_without_flush_gets_write_through_and_one_with_flush_write_back()
    {
        const ulong flush = 1UL << 9;
        Assert.That(_block.Features & flush, Is.Not.Zero, "VIRTIO_BLK_F_FLUSH is offered");
        Assert.That(_block.Features & (1UL << 11), Is.Zero, "VIRTIO_BLK_F_CONFIG_WCE is not offered: the driver cannot toggle the cache");
        Assert.That(_block.WriteThrough, Is.False, "the default driver of these tests accepted FLUSH");

        // The driver resets the device and comes back without FLUSH (an old or minimal driver that never flushes).
        _block.Reset();
        _queue.Reset();
        _queue.DescriptorTable = Descriptors;
        _queue.AvailRing = Avail;
        _queue.UsedRing = Used;
        _queue.Enabled = true;
        _memory.Span(Avail, 0x2000).Clear();
        _block.Activate(new VirtioContext(_memory, [_queue], _block.Features & ~flush, _ => _interrupts++, (_, _) => { }));
        Assert.That(_block.WriteThrough, Is.True);
        _memory.Span(DataArea, 16 * Block).Fill(0x3C);
        Offer(0, type: 1, sector: 0, DataArea, 16 * Block);
        _block.ProcessQueue(0);
        AwaitUsed(1);

        Assert.That(_memory.Read<byte>(Statuses), Is.Zero);
        using (var file = File.OpenHandle(_image))
        {
            var state = PageCache.Stat((int)file.DangerousGetHandle(), 0, 16 * Block);
            if (state == null) Assert.Ignore("the kernel has no cachestat (Linux 6.5+)");
            Assert.That((state!.Value.Dirty, state.Value.Writeback), Is.EqualTo((0UL, 0UL)), "the write was durable when the guest saw it complete");
        }
        Assert.That(File.ReadAllBytes(_image).AsSpan(0, 16 * Block).IndexOfAnyExcept((byte)0x3C), Is.EqualTo(-1));

        _block.Reset();
        _block.Activate(new VirtioContext(_memory, [_queue], _block.Features, _ => _interrupts++, (_, _) => { }));
        Assert.That(_block.WriteThrough, Is.False, "a driver that flushes gets the page cache back");
    }

    [Test]
    public void Multi_queue_offers_one_queue_per_vcpu_in_the_config()
    {
        using var block = new VirtioBlock(_image, false, "mq", queueCount: 4);
        Span<byte> numQueues = stackalloc byte[2];
        block.ReadConfig(34, numQueues);
        Assert.That(BinaryPrimitives.ReadUInt16LittleEndian(numQueues), Is.EqualTo(4));
        Assert.That(block.QueueCount, Is.EqualTo(4));
        Assert.That(block.Features & (1UL << 12), Is.Not.Zero, "VIRTIO_BLK_F_MQ");
        Assert.That(_block.Features & (1UL << 12), Is.Zero, "single queue by default");
    }

    [Test]
    public void Each_queue_of_a_multi_queue_disk_has_its_own_engine_queue()
    {
        using var block = new VirtioBlock(_image, false, "mq", queueCount: 2);
        var idle = new Virtqueue(_memory, Size) { DescriptorTable = 0x13000, AvailRing = 0x14000, UsedRing = 0x15000, Enabled = true };
        var interrupted = new List<int>();
        block.Activate(new VirtioContext(_memory, [idle, _queue], block.Features, interrupted.Add, (_, _) => { }));
        _memory.Span(DataArea, Block).Fill(0x61);
        Offer(0, type: 1, sector: 0, DataArea, Block);
        block.ProcessQueue(1);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_memory.Read<ushort>(Used + 2) < 1 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(1);
            block.ProcessEvent(0);
        }
        Assert.That(_memory.Read<ushort>(Used + 2), Is.EqualTo(1));
        Assert.That(block.EngineStats(1).Completed, Is.EqualTo(1));
        Assert.That(block.EngineStats(0).Submitted, Is.Zero);
        Assert.That(interrupted, Is.All.EqualTo(1), "the interrupt goes to the queue that was served");
        Assert.That(File.ReadAllBytes(_image)[0], Is.EqualTo(0x61));
    }

    private VirtioBlock Open(bool readOnly, string? engine = null)
    {
        Environment.SetEnvironmentVariable("CLOUDBOX_BLOCK_ENGINE", engine ?? (ioUring ? null : "sync"));
        VirtioBlock block;
        try
        {
            block = new VirtioBlock(_image, readOnly, "serial-12345");
        }
        finally
        {
            Environment.SetEnvironmentVariable("CLOUDBOX_BLOCK_ENGINE", null);
        }
        Assert.That(block.UsesIoUring, Is.EqualTo(engine == null ? ioUring : engine != "sync"), block.EngineFallbackReason);
        block.Activate(new VirtioContext(_memory, [_queue], block.Features, _ => _interrupts++, (_, _) => { }));
        return block;
    }

    /// <summary>Request i: header, optional data buffer, status byte, as descriptors 3i..3i+2.</summary>
    private void Offer(int i, uint type, ulong sector, ulong data, uint length, bool write = false)
    {
        var header = Headers + (ulong)i * 16;
        var h = _memory.Span(header, 16);
        BinaryPrimitives.WriteUInt32LittleEndian(h, type);
        BinaryPrimitives.WriteUInt64LittleEndian(h[8..], sector);
        _memory.Write<byte>(Statuses + (ulong)i, 0xFF);
        var first = i % 80 * 3;
        if (length > 0)
        {
            WriteDescriptor(first, header, 16, first + 1, false);
            WriteDescriptor(first + 1, data, length, first + 2, write);
        }
        else
        {
            WriteDescriptor(first, header, 16, first + 2, false);
        }
        WriteDescriptor(first + 2, Statuses + (ulong)i, 1, null, true);
        var index = _memory.Read<ushort>(Avail + 2);
        _memory.Write(Avail + 4 + (ulong)(index % Size) * 2, (ushort)first);
        _memory.Write(Avail + 2, (ushort)(index + 1));
    }

    private void WriteDescriptor(int index, ulong address, uint length, int? next, bool write)
    {
        var d = _memory.Span(Descriptors + (ulong)index * 16, 16);
        BinaryPrimitives.WriteUInt64LittleEndian(d, address);
        BinaryPrimitives.WriteUInt32LittleEndian(d[8..], length);
        BinaryPrimitives.WriteUInt16LittleEndian(d[12..], (ushort)((next != null ? 1 : 0) | (write ? 2 : 0)));
        BinaryPrimitives.WriteUInt16LittleEndian(d[14..], (ushort)(next ?? 0));
    }

    /// <summary>Lets the device finish what io_uring completes, as the transport's worker does when the eventfd fires.</summary>
    private void AwaitUsed(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_memory.Read<ushort>(Used + 2) < count && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(1);
            _block.ProcessEvent(0);
        }
        Assert.That(_memory.Read<ushort>(Used + 2), Is.EqualTo(count), "used entries");
    }

    private uint UsedLength(int slot) => _memory.Read<uint>(Used + 4 + (ulong)(slot % Size) * 8 + 4);
}
