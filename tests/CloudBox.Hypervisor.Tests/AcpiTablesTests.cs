using System.Buffers.Binary;
using System.Text;
using CloudBox.Hypervisor.Boot.Acpi;
using CloudBox.Hypervisor.Kvm;

namespace CloudBox.Hypervisor.Tests;

[TestFixture]
public sealed class AcpiTablesTests
{
    [Test]
    public void Rsdp_and_every_table_it_reaches_have_valid_checksums_and_lengths()
    {
        using var memory = new GuestMemory(16 * MemoryLayout.MiB);
        var rsdp = AcpiTables.Write(memory, vcpuCount: 3);
        var r = memory.Span(rsdp, 36);
        Assert.That(Encoding.ASCII.GetString(r[..8]), Is.EqualTo("RSD PTR "));
        Assert.That(Sum(r[..20]), Is.Zero, "ACPI 1.0 checksum");
        Assert.That(Sum(r), Is.Zero, "extended checksum");

        var xsdtAddress = BinaryPrimitives.ReadUInt64LittleEndian(r[24..]);
        var xsdt = Table(memory, xsdtAddress);
        Assert.That(Encoding.ASCII.GetString(xsdt[..4]), Is.EqualTo("XSDT"));
        var signatures = new List<string>();
        for (var i = 36; i < xsdt.Length; i += 8)
        {
            var table = Table(memory, BinaryPrimitives.ReadUInt64LittleEndian(xsdt[i..]));
            signatures.Add(Encoding.ASCII.GetString(table[..4]));
            Assert.That(Sum(table), Is.Zero, $"{signatures[^1]} checksum");
            if (signatures[^1] == "FACP")
            {
                var dsdt = Table(memory, BinaryPrimitives.ReadUInt64LittleEndian(table[140..]));
                Assert.That(Encoding.ASCII.GetString(dsdt[..4]), Is.EqualTo("DSDT"));
                Assert.That(Sum(dsdt), Is.Zero, "DSDT checksum");
                Assert.That(Encoding.ASCII.GetString(dsdt), Does.Contain("_S5_").And.Contain("PCI0").And.Contain("_EVT"));
                Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(table[112..]) & (1u << 20), Is.Not.Zero, "hardware-reduced flag");
            }
        }
        Assert.That(signatures, Is.EquivalentTo(new[] { "FACP", "APIC", "MCFG" }));
    }

    [Test]
    public void Madt_lists_one_enabled_local_apic_per_vcpu_and_the_ioapic()
    {
        using var memory = new GuestMemory(16 * MemoryLayout.MiB);
        var rsdp = AcpiTables.Write(memory, vcpuCount: 3);
        var xsdt = Table(memory, BinaryPrimitives.ReadUInt64LittleEndian(memory.Span(rsdp, 36)[24..]));
        var madt = Table(memory, BinaryPrimitives.ReadUInt64LittleEndian(xsdt[44..]));
        Assert.That(Encoding.ASCII.GetString(madt[..4]), Is.EqualTo("APIC"));
        var apicIds = new List<int>();
        var ioapics = 0;
        for (var at = 44; at < madt.Length; at += madt[at + 1])
        {
            if (madt[at] == 0 && (madt[at + 4] & 1) != 0) apicIds.Add(madt[at + 3]);
            if (madt[at] == 1) ioapics++;
        }
        Assert.That(apicIds, Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(ioapics, Is.EqualTo(1));
    }

    [Test]
    public void Aml_package_length_uses_the_multi_byte_encoding_past_63_bytes()
    {
        var small = Aml.Buffer(new byte[10]);
        var large = Aml.Buffer(new byte[100]);
        Assert.That(small[1], Is.EqualTo(1 + 2 + 10), "one-byte PkgLength counts itself, the size integer and the bytes");
        Assert.That(large[1] >> 6, Is.EqualTo(1), "two-byte PkgLength");
        Assert.That((large[1] & 0xF) | (large[2] << 4), Is.EqualTo(2 + 2 + 100));
    }

    [Test]
    public void Dsdt_disassembles_cleanly_and_declares_an_ejectable_device_per_hotplug_slot_and_the_hotplug_event()
    {
        // The kernel's AML interpreter is the real judge; ACPICA's disassembler (the same parser) catches encoding
        // mistakes without booting one.
        var iasl = new[] { "/usr/bin/iasl", "/usr/sbin/iasl" }.FirstOrDefault(File.Exists);
        if (iasl == null) Assert.Ignore("iasl (acpica-tools) is not installed: the DSDT cannot be disassembled");
        using var memory = new GuestMemory(16 * MemoryLayout.MiB);
        var rsdp = AcpiTables.Write(memory, vcpuCount: 1);
        var xsdt = Table(memory, BinaryPrimitives.ReadUInt64LittleEndian(memory.Span(rsdp, 36)[24..]));
        var fadt = Table(memory, BinaryPrimitives.ReadUInt64LittleEndian(xsdt[36..]));
        var dsdt = Table(memory, BinaryPrimitives.ReadUInt64LittleEndian(fadt[140..]));
        var directory = Directory.CreateTempSubdirectory("cloudbox-dsdt-");
        try
        {
            var binary = Path.Combine(directory.FullName, "dsdt.dat");
            File.WriteAllBytes(binary, dsdt);
            var start = new System.Diagnostics.ProcessStartInfo(iasl, ["-d", binary]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory.FullName };
            using var process = System.Diagnostics.Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.That(process.ExitCode, Is.Zero, output);
            var source = File.ReadAllText(Path.Combine(directory.FullName, "dsdt.dsl"));
            Assert.That(source, Does.Not.Contain("Error").And.Not.Contain("Unknown"), source);
            Assert.That(source, Does.Contain("OperationRegion (PHPR, SystemIO, 0xAE00, 0x0C)"));
            Assert.That(System.Text.RegularExpressions.Regex.Matches(source, @"Method \(_EJ0, 1").Count, Is.EqualTo(31));
            Assert.That(source, Does.Contain("Device (S1F)").And.Contain("Name (_ADR, 0x001F0000)"));
            Assert.That(source, Does.Contain("Notify (\\_SB.PCI0.S1F, 0x03)").And.Contain("Notify (\\_SB.PWRB, 0x80)"));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static byte[] Table(GuestMemory memory, ulong address)
    {
        var length = memory.Read<uint>(address + 4);
        return memory.Span(address, (int)length).ToArray();
    }

    private static int Sum(ReadOnlySpan<byte> bytes)
    {
        byte sum = 0;
        foreach (var b in bytes) sum += b;
        return sum;
    }
}
