namespace CloudBox.Hypervisor.Kvm;

/// <summary>The guest-physical address map: where RAM, boot structures, tables and MMIO windows live.</summary>
public static class MemoryLayout
{
    public const ulong MiB = 1024 * 1024;
    public const ulong GiB = 1024 * MiB;

    // Low memory: boot structures the VMM writes before the first instruction.
    public const ulong BootGdt = 0x500;
    public const ulong BootIdt = 0x520;
    public const ulong BootStackTop = 0x8000;
    public const ulong ZeroPage = 0x7000;
    public const ulong Pml4 = 0x9000;
    public const ulong Pdpt = 0xA000;
    /// <summary>Four page directories mapping the first 4 GiB with 2 MiB pages.</summary>
    public const ulong PageDirectories = 0xB000;
    public const ulong PvhStartInfo = 0x6000;
    public const ulong CommandLine = 0x20000;
    public const int CommandLineMax = 0x10000;
    public const ulong EbdaStart = 0x9FC00;
    /// <summary>ACPI tables and SMBIOS live in the legacy BIOS area, where Linux also scans for them.</summary>
    public const ulong AcpiTables = 0xE0000;
    public const ulong SmbiosTables = 0xF0000;
    public const ulong HighMemoryStart = 0x100000;
    public const ulong KernelLoadAddress = 0x100000;

    /// <summary>RAM below the PCI hole ends here at most.</summary>
    public const ulong LowRamLimit = 3 * GiB;
    public const ulong HighRamStart = 4 * GiB;

    // The hole between 3 GiB and 4 GiB.
    public const ulong PciMmioStart = 0xC000_0000;
    public const ulong PciMmioSize = 0x2000_0000;
    public const ulong PciEcamStart = 0xE000_0000;
    /// <summary>One bus: 32 devices x 8 functions x 4 KiB.</summary>
    public const ulong PciEcamSize = 0x10_0000;
    public const ulong IoapicAddress = 0xFEC0_0000;
    public const ulong LapicAddress = 0xFEE0_0000;
    public const ulong IdentityMapAddress = 0xFFFB_C000;
    public const ulong TssAddress = 0xFFFB_D000;

    // Port I/O.
    public const ushort AcpiPmPort = 0x600;
    public const ushort AcpiSleepControlPort = 0x600;
    public const ushort AcpiSleepStatusPort = 0x601;
    public const ushort AcpiResetPort = 0x602;
    public const byte AcpiResetValue = 0x01;
    /// <summary>SLP_TYP value of S5 in the DSDT's _S5_ package, matched by the sleep control register.</summary>
    public const byte S5SleepType = 5;

    /// <summary>IOAPIC pin of the ACPI Generic Event Device that signals the power button.</summary>
    public const uint PowerButtonGsi = 11;

    /// <summary>IOAPIC pin of the same device's second interrupt: a PCI slot changed (see PciHotplugController).</summary>
    public const uint PciHotplugGsi = 10;
}
