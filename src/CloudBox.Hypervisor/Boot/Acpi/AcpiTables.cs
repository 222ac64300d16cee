using System.Text;
using CloudBox.Hypervisor.Devices.Pci;
using CloudBox.Hypervisor.Kvm;

namespace CloudBox.Hypervisor.Boot.Acpi;

/// <summary>
/// Writes RSDP, XSDT, a hardware-reduced FADT, the DSDT (PCI root bridge, _S5_), the MADT (one LAPIC per vCPU, the
/// IOAPIC) and the MCFG (ECAM window) at <see cref="MemoryLayout.AcpiTables"/>. Returns the RSDP address.
/// </summary>
public static class AcpiTables
{
    private const uint FadtFlagPowerButtonAbsent = 1 << 4;
    private const uint FadtFlagSleepButtonAbsent = 1 << 5;
    private const uint FadtFlagResetRegister = 1 << 10;
    private const uint FadtFlagHardwareReduced = 1 << 20;
    private const ushort BootArchNoVga = 1 << 2;
    private const ushort BootArchNoAspm = 1 << 4;

    public static ulong Write(GuestMemory memory, int vcpuCount)
    {
        var cursor = MemoryLayout.AcpiTables;
        var rsdpAddress = cursor;
        cursor += 64;

        var dsdt = Dsdt();
        var dsdtAddress = Place(memory, ref cursor, dsdt);
        var fadtAddress = Place(memory, ref cursor, Fadt(dsdtAddress));
        var madtAddress = Place(memory, ref cursor, Madt(vcpuCount));
        var mcfgAddress = Place(memory, ref cursor, Mcfg());

        var xsdt = new AcpiTable("XSDT", 1);
        xsdt.Body.Write(fadtAddress);
        xsdt.Body.Write(madtAddress);
        xsdt.Body.Write(mcfgAddress);
        var xsdtAddress = Place(memory, ref cursor, xsdt.Finish());
        if (cursor > MemoryLayout.SmbiosTables) throw new InvalidOperationException("ACPI tables overflow their area");

        memory.Write(rsdpAddress, Rsdp(xsdtAddress));
        return rsdpAddress;
    }

    private static ulong Place(GuestMemory memory, ref ulong cursor, byte[] table)
    {
        var address = cursor;
        memory.Write(address, table);
        cursor = (cursor + (ulong)table.Length + 15) & ~15UL;
        return address;
    }

    private static byte[] Rsdp(ulong xsdtAddress)
    {
        var r = new byte[36];
        Encoding.ASCII.GetBytes("RSD PTR ").CopyTo(r, 0);
        Encoding.ASCII.GetBytes(AcpiTable.OemId).CopyTo(r, 9);
        r[15] = 2; // ACPI 2.0+
        BitConverter.TryWriteBytes(r.AsSpan(20), 36u);
        BitConverter.TryWriteBytes(r.AsSpan(24), xsdtAddress);
        r[8] = AcpiTable.Checksum(r.AsSpan(0, 20));
        r[32] = AcpiTable.Checksum(r);
        return r;
    }

    private static byte[] Fadt(ulong dsdtAddress)
    {
        var t = new AcpiTable("FACP", 6);
        var body = new byte[276 - 36];
        var b = body.AsSpan();
        BitConverter.TryWriteBytes(b[(40 - 36)..], (uint)dsdtAddress);
        BitConverter.TryWriteBytes(b[(46 - 36)..], (ushort)9); // SCI_INT (unused when hardware-reduced)
        BitConverter.TryWriteBytes(b[(109 - 36)..], (ushort)(BootArchNoVga | BootArchNoAspm)); // no 8042 bit: skip PS/2 probing
        BitConverter.TryWriteBytes(b[(112 - 36)..], FadtFlagHardwareReduced | FadtFlagResetRegister | FadtFlagPowerButtonAbsent | FadtFlagSleepButtonAbsent);
        Gas(b[(116 - 36)..], MemoryLayout.AcpiResetPort);
        b[128 - 36] = MemoryLayout.AcpiResetValue;
        b[131 - 36] = 3; // FADT minor version
        BitConverter.TryWriteBytes(b[(140 - 36)..], dsdtAddress); // X_DSDT
        Gas(b[(244 - 36)..], MemoryLayout.AcpiSleepControlPort);
        Gas(b[(256 - 36)..], MemoryLayout.AcpiSleepStatusPort);
        Encoding.ASCII.GetBytes("CloudBox").CopyTo(b[(268 - 36)..]);
        t.Body.Write(body);
        return t.Finish();
    }

    /// <summary>A generic address structure naming one byte-wide I/O port.</summary>
    private static void Gas(Span<byte> target, ushort port)
    {
        target[0] = 1; // system I/O space
        target[1] = 8; // bit width
        target[2] = 0;
        target[3] = 1; // byte access
        BitConverter.TryWriteBytes(target[4..], (ulong)port);
    }

    private static byte[] Dsdt()
    {
        var crs = new ResourceTemplate()
            .BusNumbers(0, 0)
            .IoPorts(0xCF8, 8)
            .IoWindow(0x0000, 0x0CF7)
            .IoWindow(0x0D00, 0xFFFF)
            .Memory32Window((uint)MemoryLayout.PciMmioStart, (uint)(MemoryLayout.PciMmioStart + MemoryLayout.PciMmioSize - 1))
            .Build();
        var pciRoot = Aml.Device("PCI0",
            Aml.Name("_HID", Aml.EisaId("PNP0A08")),
            Aml.Name("_CID", Aml.EisaId("PNP0A03")),
            Aml.Name("_ADR", Aml.Integer(0)),
            Aml.Name("_SEG", Aml.Integer(0)),
            Aml.Name("_UID", Aml.Integer(0)),
            Aml.Name("_BBN", Aml.Integer(0)),
            Aml.Name("_CRS", Aml.Buffer(crs)),
            HotplugSlots());
        // Hardware-reduced ACPI has no fixed power button: a Generic Event Device raises its interrupt and its _EVT
        // notifies a control-method power button, which the guest's button driver turns into KEY_POWER. The same
        // device's second interrupt announces PCI hot-plug events (no GPE blocks either).
        var powerButton = Aml.Device("PWRB", Aml.Name("_HID", Aml.EisaId("PNP0C0C")), Aml.Name("_UID", Aml.Integer(0)));
        var ged = Aml.Device("GED0",
            Aml.Name("_HID", Aml.String("ACPI0013")),
            Aml.Name("_UID", Aml.Integer(0)),
            Aml.Name("_CRS", Aml.Buffer(new ResourceTemplate().EdgeInterrupt(MemoryLayout.PowerButtonGsi).EdgeInterrupt(MemoryLayout.PciHotplugGsi).Build())),
            Aml.Method("_EVT", 1,
                Aml.If(Aml.LEqual(Aml.Arg(0), Aml.Integer(MemoryLayout.PowerButtonGsi)), Aml.Notify("\\_SB_.PWRB", 0x80)),
                Aml.If(Aml.LEqual(Aml.Arg(0), Aml.Integer(MemoryLayout.PciHotplugGsi)), HotplugEvent())));
        var hotplugRegisters = Aml.IoRegion("PHPR", PciHotplugController.BasePort, PciHotplugController.Length);
        var hotplugFields = Aml.DwordFields("PHPR", "PCIU", "PCID", "PCEJ");
        var t = new AcpiTable("DSDT", 2);
        t.Body.Write(Aml.Scope("\\_SB_", hotplugRegisters, hotplugFields, pciRoot, powerButton, ged));
        t.Body.Write(Aml.Name("_S5_", Aml.Package(Aml.Integer(MemoryLayout.S5SleepType), Aml.Integer(0), Aml.Integer(0), Aml.Integer(0))));
        return t.Finish();
    }

    private static string SlotName(int slot) => $"S{slot:X2}";

    /// <summary>
    /// One ACPI device per hot-pluggable slot of the root bus (1-31): _ADR names the slot, _SUN numbers it, _EJ0
    /// tells the host the guest released it. acpiphp registers a hot-plug slot for each object with _EJ0.
    /// </summary>
    private static byte[] HotplugSlots()
    {
        var slots = new List<byte>();
        for (var slot = 1; slot < PciBus.SlotCount; slot++)
            slots.AddRange(Aml.Device(SlotName(slot),
                Aml.Name("_ADR", Aml.Integer((ulong)slot << 16)),
                Aml.Name("_SUN", Aml.Integer((ulong)slot)),
                Aml.Method("_EJ0", 1, Aml.Store(Aml.Integer(1UL << slot), Aml.Reference("\\_SB_.PCEJ")))));
        return [.. slots];
    }

    /// <summary>
    /// The body of the hot-plug event: read (and so clear) the inserted and eject-request masks, then send each slot
    /// a device check (1, the guest scans it) or an eject request (3, the guest unbinds the driver and calls _EJ0).
    /// </summary>
    private static byte[] HotplugEvent()
    {
        var body = new List<byte>();
        body.AddRange(Aml.Store(Aml.Reference("\\_SB_.PCIU"), Aml.Local(0)));
        body.AddRange(Aml.Store(Aml.Reference("\\_SB_.PCID"), Aml.Local(1)));
        for (var slot = 1; slot < PciBus.SlotCount; slot++)
        {
            var device = $"\\_SB_.PCI0.{SlotName(slot)}";
            body.AddRange(Aml.If(Aml.And(Aml.Local(0), Aml.Integer(1UL << slot)), Aml.Notify(device, 1)));
            body.AddRange(Aml.If(Aml.And(Aml.Local(1), Aml.Integer(1UL << slot)), Aml.Notify(device, 3)));
        }
        return [.. body];
    }

    private static byte[] Madt(int vcpuCount)
    {
        var t = new AcpiTable("APIC", 4);
        var w = t.Body;
        w.Write((uint)MemoryLayout.LapicAddress);
        w.Write(1u); // PCAT_COMPAT: the (in-kernel) 8259 pair exists
        for (var i = 0; i < vcpuCount; i++)
        {
            w.Write((byte)0); w.Write((byte)8); w.Write((byte)i); w.Write((byte)i); w.Write(1u); // enabled LAPIC
        }
        w.Write((byte)1); w.Write((byte)12); w.Write((byte)0); w.Write((byte)0); // IOAPIC id 0
        w.Write((uint)MemoryLayout.IoapicAddress);
        w.Write(0u); // GSI base
        // The PIT (ISA IRQ 0) reaches IOAPIC pin 2, as on PC hardware and in KVM's routing.
        w.Write((byte)2); w.Write((byte)10); w.Write((byte)0); w.Write((byte)0); w.Write(2u); w.Write((ushort)0);
        w.Write((byte)4); w.Write((byte)6); w.Write((byte)0xFF); w.Write((ushort)0); w.Write((byte)1); // NMI on LINT1 of all CPUs
        return t.Finish();
    }

    private static byte[] Mcfg()
    {
        var t = new AcpiTable("MCFG", 1);
        var w = t.Body;
        w.Write(0UL);
        w.Write(MemoryLayout.PciEcamStart);
        w.Write((ushort)0); // segment
        w.Write((byte)0); // first bus
        w.Write((byte)0); // last bus
        w.Write(0u);
        return t.Finish();
    }
}
