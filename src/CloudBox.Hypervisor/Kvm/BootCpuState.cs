using CloudBox.Linux.Kvm;

namespace CloudBox.Hypervisor.Kvm;

/// <summary>
/// The register state of a vCPU entering 64-bit code directly: flat GDT, identity-mapped first 4 GiB with 2 MiB
/// pages, paging and long mode on, interrupts off. This is what the Linux 64-bit boot protocol asks for.
/// </summary>
public static class BootCpuState
{
    public const ushort CodeSelector = 0x10;
    public const ushort DataSelector = 0x18;
    public const ushort TssSelector = 0x20;

    private const ulong Cr0ProtectionEnable = 1;
    private const ulong Cr0ExtensionType = 1 << 4;
    private const ulong Cr0Paging = 1UL << 31;
    private const ulong Cr4Pae = 1 << 5;
    private const ulong EferLongModeEnable = 1 << 8;
    private const ulong EferLongModeActive = 1 << 10;

    /// <summary>Writes the GDT and page tables into guest memory (shared by all vCPUs).</summary>
    public static void WriteTables(GuestMemory memory)
    {
        memory.Write(MemoryLayout.BootGdt + 0x00, 0UL);
        memory.Write(MemoryLayout.BootGdt + 0x08, 0UL);
        memory.Write(MemoryLayout.BootGdt + 0x10, 0x00AF9B000000FFFFUL); // 64-bit code
        memory.Write(MemoryLayout.BootGdt + 0x18, 0x00CF93000000FFFFUL); // data
        memory.Write(MemoryLayout.BootGdt + 0x20, 0x008F8B000000FFFFUL); // TSS
        memory.Write(MemoryLayout.BootIdt, 0UL);

        memory.Span(MemoryLayout.Pml4, 0x1000).Clear();
        memory.Span(MemoryLayout.Pdpt, 0x1000).Clear();
        memory.Write(MemoryLayout.Pml4, MemoryLayout.Pdpt | 0x03);
        for (ulong d = 0; d < 4; d++)
        {
            var directory = MemoryLayout.PageDirectories + d * 0x1000;
            memory.Write(MemoryLayout.Pdpt + d * 8, directory | 0x03);
            for (ulong e = 0; e < 512; e++)
                memory.Write(directory + e * 8, ((d << 30) + (e << 21)) | 0x83); // present, writable, 2 MiB
        }
    }

    public static KvmSregs LongModeSregs(KvmSregs sregs)
    {
        var code = new KvmSegment { Base = 0, Limit = 0xFFFFFFFF, Selector = CodeSelector, Type = 0xB, Present = 1, S = 1, L = 1, G = 1 };
        var data = new KvmSegment { Base = 0, Limit = 0xFFFFFFFF, Selector = DataSelector, Type = 0x3, Present = 1, S = 1, Db = 1, G = 1 };
        var tss = new KvmSegment { Base = 0, Limit = 0xFFFFFFFF, Selector = TssSelector, Type = 0xB, Present = 1, G = 1 };
        sregs.Cs = code;
        sregs.Ds = sregs.Es = sregs.Fs = sregs.Gs = sregs.Ss = data;
        sregs.Tr = tss;
        sregs.Gdt = new KvmDescriptorTable { Base = MemoryLayout.BootGdt, Limit = 0x27 };
        sregs.Idt = new KvmDescriptorTable { Base = MemoryLayout.BootIdt, Limit = 7 };
        sregs.Cr0 = Cr0ProtectionEnable | Cr0ExtensionType | Cr0Paging;
        sregs.Cr3 = MemoryLayout.Pml4;
        sregs.Cr4 = Cr4Pae;
        sregs.Efer = EferLongModeEnable | EferLongModeActive;
        return sregs;
    }

    /// <summary>32-bit protected mode without paging, as the PVH entry point expects.</summary>
    public static KvmSregs ProtectedModeSregs(KvmSregs sregs)
    {
        var code = new KvmSegment { Base = 0, Limit = 0xFFFFFFFF, Selector = CodeSelector, Type = 0xB, Present = 1, S = 1, Db = 1, G = 1 };
        var data = new KvmSegment { Base = 0, Limit = 0xFFFFFFFF, Selector = DataSelector, Type = 0x3, Present = 1, S = 1, Db = 1, G = 1 };
        var tss = new KvmSegment { Base = 0, Limit = 0xFFFFFFFF, Selector = TssSelector, Type = 0xB, Present = 1, G = 1 };
        sregs.Cs = code;
        sregs.Ds = sregs.Es = sregs.Fs = sregs.Gs = sregs.Ss = data;
        sregs.Tr = tss;
        sregs.Gdt = new KvmDescriptorTable { Base = MemoryLayout.BootGdt, Limit = 0x27 };
        sregs.Idt = new KvmDescriptorTable { Base = MemoryLayout.BootIdt, Limit = 7 };
        sregs.Cr0 = Cr0ProtectionEnable | Cr0ExtensionType;
        sregs.Cr3 = 0;
        sregs.Cr4 = 0;
        sregs.Efer = 0;
        return sregs;
    }

    /// <summary>MSR values firmware would leave: fast strings on, MTRRs enabled with write-back default.</summary>
    public static KvmMsrEntry[] BootMsrs() =>
    [
        new(0x174, 0), new(0x175, 0), new(0x176, 0),           // SYSENTER_CS/ESP/EIP
        new(0xC0000081, 0), new(0xC0000082, 0), new(0xC0000083, 0), new(0xC0000084, 0), // STAR, LSTAR, CSTAR, SFMASK
        new(0xC0000102, 0),                                   // KERNEL_GS_BASE
        new(0x1A0, 1),                                        // IA32_MISC_ENABLE: fast strings
        new(0x2FF, (1 << 11) | 6),                            // MTRRdefType: enabled, write-back
    ];

    public static KvmFpu BootFpu() => new() { Fcw = 0x37F, Mxcsr = 0x1F80 };

    /// <summary>LINT0 as ExtINT (the PIC's output) and LINT1 as NMI, as firmware sets them.</summary>
    public static void ConfigureLapic(KvmVcpu vcpu)
    {
        const int lvtLint0 = 0x350;
        const int lvtLint1 = 0x360;
        var lapic = vcpu.GetLapic();
        lapic.Write(lvtLint0, (lapic.Read(lvtLint0) & ~0x700u & ~0x10000u) | (7 << 8));
        lapic.Write(lvtLint1, (lapic.Read(lvtLint1) & ~0x700u & ~0x10000u) | (4 << 8));
        vcpu.SetLapic(lapic);
    }
}
