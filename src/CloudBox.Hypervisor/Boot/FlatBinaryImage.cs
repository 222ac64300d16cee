using CloudBox.Hypervisor.Kvm;

namespace CloudBox.Hypervisor.Boot;

/// <summary>A freestanding flat binary (test guests) loaded at a fixed address and entered in 64-bit mode on every vCPU.</summary>
public sealed class FlatBinaryImage(byte[] code, ulong loadAddress = MemoryLayout.KernelLoadAddress) : IBootImage
{
    public static FlatBinaryImage FromFile(string path) => new(File.ReadAllBytes(path));

    public BootEntry Load(GuestMemory memory, BootParameters parameters)
    {
        memory.Write(loadAddress, code);
        return new BootEntry(loadAddress, MemoryLayout.ZeroPage, 0, LongMode: true, AllVcpusStart: true);
    }
}
