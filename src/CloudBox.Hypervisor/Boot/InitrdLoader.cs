using CloudBox.Hypervisor.Kvm;

namespace CloudBox.Hypervisor.Boot;

/// <summary>Places an initrd page-aligned at the top of low memory, below the kernel's limit.</summary>
public static class InitrdLoader
{
    public static (ulong Address, ulong Size) Load(GuestMemory memory, string path, ulong limit)
    {
        using var file = Confinement.HeldFiles.OpenRead(path);
        var size = (ulong)RandomAccess.GetLength(file);
        var address = (limit - size) & ~0xFFFUL;
        if (size >= limit || address < 16 * MemoryLayout.MiB) throw new InvalidDataException($"initrd {path} does not fit in guest memory");
        var target = memory.Span(address, (int)size);
        var read = 0;
        while (read < target.Length)
        {
            var n = RandomAccess.Read(file, target[read..], read);
            if (n <= 0) throw new EndOfStreamException($"short read of {path}");
            read += n;
        }
        return (address, size);
    }
}
