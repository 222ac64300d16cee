using System.Buffers.Binary;
using CloudBox.Hypervisor.Kvm;

namespace CloudBox.Hypervisor.Devices.Virtio;

/// <summary>
/// A split virtqueue (virtio 1.x section 2.7) read in place in guest memory: pops available descriptor chains into a
/// preallocated array and publishes used elements. Used only on the device's worker thread once enabled.
/// </summary>
public sealed class Virtqueue
{
    public const ushort DescriptorNext = 1;
    public const ushort DescriptorWrite = 2;
    private const ushort AvailNoInterrupt = 1;
    private const ushort UsedNoNotify = 1;

    private readonly GuestMemory _memory;
    private ushort _lastAvail;
    private ushort _nextUsed;

    public Virtqueue(GuestMemory memory, ushort maxSize)
    {
        _memory = memory;
        MaxSize = maxSize;
        Size = maxSize;
        Chain = new Descriptor[maxSize];
    }

    public ushort MaxSize { get; }
    public ushort Size { get; set; }
    public ushort MsixVector { get; set; } = VirtioPciCommonConfig.NoVector;
    public volatile bool Enabled;
    public ulong DescriptorTable { get; set; }
    public ulong AvailRing { get; set; }
    public ulong UsedRing { get; set; }

    /// <summary>The descriptors of the chain last popped (valid up to <see cref="ChainLength"/>).</summary>
    public Descriptor[] Chain { get; }
    public int ChainLength { get; private set; }
    public ushort ChainHead { get; private set; }

    public void Reset()
    {
        Enabled = false;
        Size = MaxSize;
        MsixVector = VirtioPciCommonConfig.NoVector;
        DescriptorTable = AvailRing = UsedRing = 0;
        _lastAvail = _nextUsed = 0;
        ChainLength = 0;
    }

    public bool HasAvailable => Enabled && AvailIndex() != _lastAvail;

    /// <summary>Takes the next available chain into <see cref="Chain"/>; false when the ring is empty.</summary>
    public bool TryPop()
    {
        if (!Enabled) return false;
        if (AvailIndex() == _lastAvail) return false;
        var ringSlot = _lastAvail % Size;
        var head = _memory.Read<ushort>(AvailRing + 4 + (ulong)ringSlot * 2);
        _lastAvail++;
        ChainHead = head;
        var index = head;
        var count = 0;
        while (true)
        {
            if (index >= Size || count >= Chain.Length) throw new InvalidDataException("virtqueue descriptor chain is malformed");
            var entry = _memory.Span(DescriptorTable + (ulong)index * 16, 16);
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(entry[12..]);
            Chain[count++] = new Descriptor(
                BinaryPrimitives.ReadUInt64LittleEndian(entry),
                BinaryPrimitives.ReadUInt32LittleEndian(entry[8..]),
                (flags & DescriptorWrite) != 0);
            if ((flags & DescriptorNext) == 0) break;
            index = BinaryPrimitives.ReadUInt16LittleEndian(entry[14..]);
        }
        ChainLength = count;
        return true;
    }

    /// <summary>Gives the last popped chain back (the device could not use it yet).</summary>
    public void Unpop() => _lastAvail--;

    /// <summary>Returns a chain to the driver with the number of bytes the device wrote into it.</summary>
    public void PushUsed(ushort head, uint written)
    {
        var slot = _nextUsed % Size;
        var element = _memory.Span(UsedRing + 4 + (ulong)slot * 8, 8);
        BinaryPrimitives.WriteUInt32LittleEndian(element, head);
        BinaryPrimitives.WriteUInt32LittleEndian(element[4..], written);
        _nextUsed++;
        Interlocked.MemoryBarrier(); // the element must be visible before the index that publishes it
        _memory.Write(UsedRing + 2, _nextUsed);
    }

    /// <summary>
    /// Tells the driver whether to notify after making buffers available (VIRTQ_USED_F_NO_NOTIFY in the used ring's
    /// flags): off while the device polls the ring anyway.
    /// </summary>
    public void SetNotificationsWanted(bool wanted)
    {
        if (!Enabled || UsedRing == 0) return;
        _memory.Write(UsedRing, wanted ? (ushort)0 : UsedNoNotify);
        Interlocked.MemoryBarrier(); // the flag must be visible before the device looks at the ring again
    }

    /// <summary>Whether the driver wants an interrupt for used buffers (it may suppress them while polling).</summary>
    public bool InterruptWanted()
    {
        Interlocked.MemoryBarrier();
        return (_memory.Read<ushort>(AvailRing) & AvailNoInterrupt) == 0;
    }

    private ushort AvailIndex()
    {
        var value = Volatile.Read(ref _memory.Ref<ushort>(AvailRing + 2));
        Interlocked.MemoryBarrier(); // read ring entries only after the index
        return value;
    }
}
