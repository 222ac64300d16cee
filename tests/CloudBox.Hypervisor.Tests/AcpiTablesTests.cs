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
