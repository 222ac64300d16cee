using System.Buffers.Binary;
using CloudBox.Hypervisor.Devices.Virtio;
using CloudBox.Hypervisor.Kvm;

namespace CloudBox.Hypervisor.Tests;

[TestFixture]
public sealed class VirtqueueTests
{
    private const ulong Descriptors = 0x10000;
    private const ulong Avail = 0x11000;
    private const ulong Used = 0x12000;
    private GuestMemory _memory = null!;
    private Virtqueue _queue = null!;

    [SetUp]
    public void CreateQueue()
    {
        _memory = new GuestMemory(4 * MemoryLayout.MiB);
        _queue = new Virtqueue(_memory, 8) { DescriptorTable = Descriptors, AvailRing = Avail, UsedRing = Used, Enabled = true };
    }

    [TearDown]
    public void Free() => _memory.Dispose();

    [Test]
    public void Pops_a_chain_in_order_with_lengths_and_directions()
    {
        WriteDescriptor(3, 0x20000, 16, next: 5, write: false);
        WriteDescriptor(5, 0x21000, 512, next: 1, write: true);
        WriteDescriptor(1, 0x22000, 1, next: null, write: true);
        Offer(3);
        Assert.That(_queue.TryPop(), Is.True);
        Assert.That(_queue.ChainHead, Is.EqualTo(3));
        Assert.That(_queue.Chain.Take(_queue.ChainLength), Is.EqualTo(new[]
        {
            new Descriptor(0x20000, 16, false), new Descriptor(0x21000, 512, true), new Descriptor(0x22000, 1, true),
        }));
        Assert.That(_queue.TryPop(), Is.False, "one chain offered, one popped");
    }

    [Test]
    public void Used_ring_gets_head_and_length_then_the_index()
    {
        WriteDescriptor(0, 0x20000, 64, next: null, write: true);
        Offer(0);
        _queue.TryPop();
        _queue.PushUsed(_queue.ChainHead, 64);
        Assert.That(_memory.Read<ushort>(Used + 2), Is.EqualTo(1));
        Assert.That(_memory.Read<uint>(Used + 4), Is.EqualTo(0u));
        Assert.That(_memory.Read<uint>(Used + 8), Is.EqualTo(64u));
    }

    [Test]
    public void Ring_indices_wrap_past_the_queue_size()
    {
        WriteDescriptor(0, 0x20000, 8, next: null, write: true);
        for (var i = 0; i < 20; i++)
        {
            Offer(0);
            Assert.That(_queue.TryPop(), Is.True);
            _queue.PushUsed(0, 8);
        }
        Assert.That(_memory.Read<ushort>(Used + 2), Is.EqualTo(20));
    }

    [Test]
    public void A_descriptor_loop_is_rejected_not_followed_forever()
    {
        WriteDescriptor(0, 0x20000, 8, next: 1, write: false);
        WriteDescriptor(1, 0x20000, 8, next: 0, write: false);
        Offer(0);
        Assert.Throws<InvalidDataException>(() => _queue.TryPop());
    }

    [Test]
    public void Interrupt_suppression_flag_is_honoured()
    {
        Assert.That(_queue.InterruptWanted(), Is.True);
        _memory.Write<ushort>(Avail, 1); // VIRTQ_AVAIL_F_NO_INTERRUPT
        Assert.That(_queue.InterruptWanted(), Is.False);
    }

    private void WriteDescriptor(int index, ulong address, uint length, int? next, bool write)
    {
        var d = _memory.Span(Descriptors + (ulong)index * 16, 16);
        BinaryPrimitives.WriteUInt64LittleEndian(d, address);
        BinaryPrimitives.WriteUInt32LittleEndian(d[8..], length);
        BinaryPrimitives.WriteUInt16LittleEndian(d[12..], (ushort)((next != null ? 1 : 0) | (write ? 2 : 0)));
        BinaryPrimitives.WriteUInt16LittleEndian(d[14..], (ushort)(next ?? 0));
    }

    private void Offer(ushort head)
    {
        var index = _memory.Read<ushort>(Avail + 2);
        _memory.Write(Avail + 4 + (ulong)(index % 8) * 2, head);
        _memory.Write(Avail + 2, (ushort)(index + 1));
    }
}
