using CloudBox.Linux.Files;
using CloudBox.Linux.Interop;

namespace CloudBox.Linux.Kvm;

/// <summary>The /dev/kvm device: API version, capabilities, supported CPUID, and the factory of VMs.</summary>
public sealed unsafe class KvmSystem : IDisposable
{
    public const string DevicePath = "/dev/kvm";
    public const int StableApiVersion = 12;

    private readonly FileDescriptor _fd;

    private KvmSystem(FileDescriptor fd) => _fd = fd;

    /// <summary>Opens /dev/kvm and checks the API version; throws <see cref="LinuxException"/> if it is missing or inaccessible.</summary>
    public static KvmSystem Open()
    {
        var fd = LinuxFile.Open(DevicePath, OpenFlags.ReadWrite);
        var system = new KvmSystem(fd);
        var version = Libc.Ioctl(fd.Value, KvmIoctl.GetApiVersion, 0UL);
        if (version != StableApiVersion)
        {
            system.Dispose();
            throw new InvalidOperationException($"KVM API version {version}, expected {StableApiVersion}");
        }
        return system;
    }

    /// <summary>/dev/kvm opened before (a confined VMM keeps one descriptor: it may not open the device again).</summary>
    public static KvmSystem FromDescriptor(FileDescriptor fd) => new(fd);

    /// <summary>The descriptor, for a caller that holds a duplicate.</summary>
    public int Fd => _fd.Value;

    public int CheckExtension(KvmCapability capability) => Libc.Ioctl(_fd.Value, KvmIoctl.CheckExtension, (ulong)capability);

    public int VcpuMmapSize()
    {
        var size = Libc.Ioctl(_fd.Value, KvmIoctl.GetVcpuMmapSize, 0UL);
        if (size <= 0) throw LinuxException.FromLastError("KVM_GET_VCPU_MMAP_SIZE");
        return size;
    }

    /// <summary>The CPUID leaves this host's KVM can expose (KVM_GET_SUPPORTED_CPUID).</summary>
    public KvmCpuidEntry[] GetSupportedCpuid()
    {
        const int max = 256;
        var buffer = stackalloc byte[8 + max * sizeof(KvmCpuidEntry)];
        *(uint*)buffer = max;
        if (Libc.Ioctl(_fd.Value, KvmIoctl.GetSupportedCpuid, buffer) != 0) throw LinuxException.FromLastError("KVM_GET_SUPPORTED_CPUID");
        var count = *(uint*)buffer;
        var entries = new KvmCpuidEntry[count];
        var source = (KvmCpuidEntry*)(buffer + 8);
        for (var i = 0; i < count; i++) entries[i] = source[i];
        return entries;
    }

    public KvmVm CreateVm()
    {
        var fd = Libc.Ioctl(_fd.Value, KvmIoctl.CreateVm, 0UL);
        return new KvmVm(FileDescriptor.Check(fd, "KVM_CREATE_VM"), VcpuMmapSize());
    }

    public void Dispose() => _fd.Dispose();
}
