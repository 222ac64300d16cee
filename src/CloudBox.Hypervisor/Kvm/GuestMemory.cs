using CloudBox.Linux;
using CloudBox.Linux.Kvm;
using CloudBox.Linux.Memory;

namespace CloudBox.Hypervisor.Kvm;

/// <summary>
/// Guest RAM: one memfd mapped once in this process, exposed to KVM as two slots (below the PCI hole and above 4 GiB).
/// Devices read and write it in place through spans; nothing is copied through KVM.
/// </summary>
public sealed unsafe class GuestMemory : IDisposable
{
    private readonly FileDescriptor _memfd;
    private readonly MemoryMapping _mapping;
    private readonly byte* _base;

    public GuestMemory(ulong size, bool hugePages = false)
    {
        Size = size;
        LowSize = Math.Min(size, MemoryLayout.LowRamLimit);
        HighSize = size - LowSize;
        _memfd = MemFd.Create("cloudbox-guest-ram", (long)size, hugePages);
        _mapping = MemoryMapping.MapShared(_memfd, (long)size);
        _mapping.AdviseDontFork();
        if (!hugePages) _mapping.AdviseHugePages();
        _base = _mapping.Pointer;
    }

    public ulong Size { get; }

    /// <summary>Bytes of RAM at guest-physical 0.</summary>
    public ulong LowSize { get; }

    /// <summary>Bytes of RAM at guest-physical 4 GiB.</summary>
    public ulong HighSize { get; }

    /// <summary>Installs the memory slots in a VM.</summary>
    public void Register(KvmVm vm)
    {
        vm.SetUserMemoryRegion(0, 0, LowSize, _base);
        if (HighSize > 0) vm.SetUserMemoryRegion(1, MemoryLayout.HighRamStart, HighSize, _base + LowSize);
    }

    /// <summary>A host pointer for [address, address+length), or null if that range is not entirely RAM.</summary>
    public byte* TryTranslate(ulong address, ulong length)
    {
        if (address + length < address) return null;
        if (address + length <= LowSize) return _base + address;
        if (address >= MemoryLayout.HighRamStart && address - MemoryLayout.HighRamStart + length <= HighSize)
            return _base + LowSize + (address - MemoryLayout.HighRamStart);
        return null;
    }

    /// <summary>The guest range as a span; throws <see cref="GuestMemoryException"/> if it is not RAM (a guest bug, never ours).</summary>
    public Span<byte> Span(ulong address, int length)
    {
        var p = TryTranslate(address, (ulong)length);
        if (p == null) throw new GuestMemoryException(address, length);
        return new Span<byte>(p, length);
    }

    public ref T Ref<T>(ulong address) where T : unmanaged
    {
        var p = TryTranslate(address, (ulong)sizeof(T));
        if (p == null) throw new GuestMemoryException(address, sizeof(T));
        return ref *(T*)p;
    }

    public T Read<T>(ulong address) where T : unmanaged => Ref<T>(address);

    public void Write<T>(ulong address, T value) where T : unmanaged => Ref<T>(address) = value;

    public void Write(ulong address, ReadOnlySpan<byte> data) => data.CopyTo(Span(address, data.Length));

    /// <summary>Zeroes all RAM (a reboot restarts from a clean machine).</summary>
    public void Clear()
    {
        const ulong chunk = 1UL << 30;
        for (ulong offset = 0; offset < Size; offset += chunk)
            new Span<byte>(_base + offset, (int)Math.Min(chunk, Size - offset)).Clear();
    }

    public void Dispose()
    {
        _mapping.Dispose();
        _memfd.Dispose();
    }
}
