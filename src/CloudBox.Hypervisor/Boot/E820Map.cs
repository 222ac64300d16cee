using CloudBox.Hypervisor.Kvm;

namespace CloudBox.Hypervisor.Boot;

/// <summary>The memory map we report: RAM below 640 KiB, the BIOS area with our tables reserved, RAM to the hole, the ECAM window reserved, RAM above 4 GiB.</summary>
public static class E820Map
{
    public static List<E820Entry> For(GuestMemory memory) =>
    [
        new(0, MemoryLayout.EbdaStart, E820Type.Ram),
        new(MemoryLayout.EbdaStart, 0xA0000 - MemoryLayout.EbdaStart, E820Type.Reserved),
        new(MemoryLayout.AcpiTables, MemoryLayout.HighMemoryStart - MemoryLayout.AcpiTables, E820Type.Reserved),
        new(MemoryLayout.HighMemoryStart, memory.LowSize - MemoryLayout.HighMemoryStart, E820Type.Ram),
        new(MemoryLayout.PciEcamStart, MemoryLayout.PciEcamSize, E820Type.Reserved),
        .. memory.HighSize > 0 ? new[] { new E820Entry(MemoryLayout.HighRamStart, memory.HighSize, E820Type.Ram) } : [],
    ];
}
