using CloudBox.Linux.Interop;

namespace CloudBox.Linux.Kvm;

/// <summary>A VM file descriptor: memory slots, in-kernel irqchip and PIT, interrupt routing, irqfd/ioeventfd, vCPUs.</summary>
public sealed unsafe class KvmVm : IDisposable
{
    private readonly FileDescriptor _fd;
    private readonly int _vcpuMmapSize;

    internal KvmVm(FileDescriptor fd, int vcpuMmapSize)
    {
        _fd = fd;
        _vcpuMmapSize = vcpuMmapSize;
    }

    public void SetTssAddress(ulong address) => Check(Libc.Ioctl(_fd.Value, KvmIoctl.SetTssAddr, address), "KVM_SET_TSS_ADDR");

    public void SetIdentityMapAddress(ulong address)
    {
        var a = address;
        Check(Libc.Ioctl(_fd.Value, KvmIoctl.SetIdentityMapAddr, &a), "KVM_SET_IDENTITY_MAP_ADDR");
    }

    public void CreateIrqchip() => Check(Libc.Ioctl(_fd.Value, KvmIoctl.CreateIrqchip, 0UL), "KVM_CREATE_IRQCHIP");

    public void CreatePit()
    {
        var config = new KvmPitConfig { Flags = KvmPitConfig.SpeakerDummy };
        Check(Libc.Ioctl(_fd.Value, KvmIoctl.CreatePit2, &config), "KVM_CREATE_PIT2");
    }

    /// <summary>Maps host memory at <paramref name="host"/> into the guest at <paramref name="guestPhysical"/>.</summary>
    public void SetUserMemoryRegion(uint slot, ulong guestPhysical, ulong size, byte* host)
    {
        var region = new KvmUserspaceMemoryRegion { Slot = slot, GuestPhysAddr = guestPhysical, MemorySize = size, UserspaceAddr = (ulong)host };
        Check(Libc.Ioctl(_fd.Value, KvmIoctl.SetUserMemoryRegion, &region), "KVM_SET_USER_MEMORY_REGION");
    }

    /// <summary>Drives a GSI line of the in-kernel PIC/IOAPIC (legacy devices such as the UART).</summary>
    public void SetIrqLine(uint gsi, bool level)
    {
        var irqLevel = stackalloc uint[2];
        irqLevel[0] = gsi;
        irqLevel[1] = level ? 1u : 0u;
        Check(Libc.Ioctl(_fd.Value, KvmIoctl.IrqLine, irqLevel), "KVM_IRQ_LINE");
    }

    /// <summary>
    /// Replaces the whole GSI routing table: the default PIC/IOAPIC routes for GSI 0-23 (which KVM drops once a
    /// table is set) followed by the given MSI routes.
    /// </summary>
    public void SetGsiRouting(ReadOnlySpan<KvmMsiRoute> msiRoutes)
    {
        const int legacy = 16 + 24;
        var count = legacy + msiRoutes.Length;
        var size = 8 + count * sizeof(KvmIrqRoutingEntry);
        var buffer = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)size);
        try
        {
            *(uint*)buffer = (uint)count;
            var entries = (KvmIrqRoutingEntry*)(buffer + 8);
            var n = 0;
            for (uint gsi = 0; gsi < 16; gsi++)
            {
                entries[n].Gsi = gsi;
                entries[n].Type = KvmIrqRoutingEntry.TypeIrqchip;
                entries[n].U[0] = gsi < 8 ? 0u : 1u; // PIC master or slave
                entries[n].U[1] = gsi & 7;
                n++;
            }
            for (uint gsi = 0; gsi < 24; gsi++)
            {
                entries[n].Gsi = gsi;
                entries[n].Type = KvmIrqRoutingEntry.TypeIrqchip;
                entries[n].U[0] = 2; // IOAPIC
                entries[n].U[1] = gsi == 0 ? 2u : gsi; // the PIT's GSI 0 is wired to IOAPIC pin 2
                n++;
            }
            foreach (var route in msiRoutes)
            {
                entries[n].Gsi = route.Gsi;
                entries[n].Type = KvmIrqRoutingEntry.TypeMsi;
                entries[n].U[0] = route.AddressLow;
                entries[n].U[1] = route.AddressHigh;
                entries[n].U[2] = route.Data;
                n++;
            }
            Check(Libc.Ioctl(_fd.Value, KvmIoctl.SetGsiRouting, buffer), "KVM_SET_GSI_ROUTING");
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.Free(buffer);
        }
    }

    /// <summary>Binds an eventfd to a GSI: each write to it injects that interrupt without a trip through us.</summary>
    public void AssignIrqfd(int eventFd, uint gsi)
    {
        var irqfd = new KvmIrqfd { Fd = (uint)eventFd, Gsi = gsi };
        Check(Libc.Ioctl(_fd.Value, KvmIoctl.Irqfd, &irqfd), "KVM_IRQFD");
    }

    /// <summary>Unbinds an eventfd from its GSI (a device leaving the VM).</summary>
    public void DeassignIrqfd(int eventFd, uint gsi)
    {
        var irqfd = new KvmIrqfd { Fd = (uint)eventFd, Gsi = gsi, Flags = KvmIrqfd.FlagDeassign };
        Check(Libc.Ioctl(_fd.Value, KvmIoctl.Irqfd, &irqfd), "KVM_IRQFD deassign");
    }

    /// <summary>Makes guest writes of <paramref name="length"/> bytes to an MMIO (or port) address signal an eventfd instead of exiting.</summary>
    public void AssignIoeventfd(int eventFd, ulong address, uint length, bool pio, bool deassign = false)
    {
        var flags = (pio ? KvmIoeventfd.FlagPio : 0) | (deassign ? KvmIoeventfd.FlagDeassign : 0);
        var ioeventfd = new KvmIoeventfd { Addr = address, Len = length, Fd = eventFd, Flags = flags };
        Check(Libc.Ioctl(_fd.Value, KvmIoctl.Ioeventfd, &ioeventfd), deassign ? "KVM_IOEVENTFD deassign" : "KVM_IOEVENTFD");
    }

    /// <summary>Injects one MSI message (used when no irqfd route exists yet).</summary>
    public void SignalMsi(uint addressLow, uint addressHigh, uint data)
    {
        var msi = new KvmMsi { AddressLow = addressLow, AddressHigh = addressHigh, Data = data };
        if (Libc.Ioctl(_fd.Value, KvmIoctl.SignalMsi, &msi) < 0) throw LinuxException.FromLastError("KVM_SIGNAL_MSI");
    }

    public KvmVcpu CreateVcpu(uint id)
    {
        var fd = FileDescriptor.Check(Libc.Ioctl(_fd.Value, KvmIoctl.CreateVcpu, (ulong)id), "KVM_CREATE_VCPU");
        return new KvmVcpu(fd, id, _vcpuMmapSize);
    }

    public void Dispose() => _fd.Dispose();

    private static void Check(int result, string operation)
    {
        if (result < 0) throw LinuxException.FromLastError(operation);
    }
}
