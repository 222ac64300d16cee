using System.Buffers.Binary;
using System.Text;
using CloudBox.Hypervisor.Boot;
using CloudBox.Hypervisor.Kvm;

namespace CloudBox.Hypervisor.Tests;

[TestFixture]
public sealed class BootLayoutTests
{
    [Test]
    public void The_kernel_command_line_asks_Linux_to_reboot_through_the_ACPI_reset_register_unless_it_says_otherwise()
    {
        Assert.That(MachineCommandLine.For("console=ttyS0 root=/dev/vda", false), Is.EqualTo("console=ttyS0 root=/dev/vda reboot=acpi"));
        Assert.That(MachineCommandLine.For("", false), Is.EqualTo("reboot=acpi"));
        Assert.That(MachineCommandLine.For("reboot=k console=ttyS0", false), Is.EqualTo("reboot=k console=ttyS0"), "the guest's own choice wins");
        Assert.That(MachineCommandLine.For("noreboot=1", false), Is.EqualTo("noreboot=1 reboot=acpi"), "only a reboot= word counts");
        // On a software-assisted KVM the kernel is told what the emulator cannot run, unless it says so itself.
        Assert.That(MachineCommandLine.For("console=ttyS0", true), Is.EqualTo("console=ttyS0 reboot=acpi " + MachineCommandLine.EmulatorSafe));
        Assert.That(MachineCommandLine.For("console=ttyS0 clearcpuid=cx16 reboot=k", true), Is.EqualTo("console=ttyS0 clearcpuid=cx16 reboot=k"));
    }

    [Test]
    public void E820_map_reports_low_ram_the_bios_hole_and_ram_above_4_gib()
    {
        using var memory = new GuestMemory(4 * MemoryLayout.GiB);
        var map = E820Map.For(memory);
        var ram = map.Where(e => e.Type == E820Type.Ram).ToList();
        Assert.That(ram[0], Is.EqualTo(new E820Entry(0, MemoryLayout.EbdaStart, E820Type.Ram)));
        Assert.That(ram[1].Address, Is.EqualTo(MemoryLayout.HighMemoryStart));
        Assert.That(ram[1].Address + ram[1].Size, Is.EqualTo(3 * MemoryLayout.GiB));
        Assert.That(ram[2], Is.EqualTo(new E820Entry(4 * MemoryLayout.GiB, MemoryLayout.GiB, E820Type.Ram)));
        Assert.That(ram.Sum(e => (long)e.Size), Is.EqualTo(4L * 1024 * 1024 * 1024 - (long)(MemoryLayout.HighMemoryStart - MemoryLayout.EbdaStart)));
        Assert.That(map, Has.Some.Matches<E820Entry>(e => e.Type == E820Type.Reserved && e.Address == MemoryLayout.PciEcamStart));
    }

    [Test]
    public void Bzimage_zero_page_carries_command_line_initrd_e820_and_rsdp()
    {
        var kernel = Directory.GetFiles("/boot", "vmlinuz-*").FirstOrDefault();
        if (kernel == null) Assert.Ignore("no /boot/vmlinuz-* to load");
        using var memory = new GuestMemory(256 * MemoryLayout.MiB);
        var initrd = Path.GetTempFileName();
        File.WriteAllBytes(initrd, Enumerable.Range(0, 10000).Select(i => (byte)i).ToArray());
        try
        {
            var map = E820Map.For(memory);
            var entry = new LinuxBzImage(File.ReadAllBytes(kernel!)).Load(memory, new BootParameters("console=ttyS0 test=1", initrd, map, 0xE0000));
            Assert.That(entry.LongMode, Is.True);
            Assert.That(entry.Rip, Is.EqualTo(MemoryLayout.KernelLoadAddress + 0x200), "64-bit entry point");
            var zeroPage = memory.Span(MemoryLayout.ZeroPage, 4096);
            Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(zeroPage[0x202..]), Is.EqualTo(0x53726448u), "HdrS copied");
            var cmdline = BinaryPrimitives.ReadUInt32LittleEndian(zeroPage[0x228..]);
            Assert.That(Encoding.ASCII.GetString(memory.Span(cmdline, 20)), Is.EqualTo("console=ttyS0 test=1"));
            var initrdAddress = BinaryPrimitives.ReadUInt32LittleEndian(zeroPage[0x218..]);
            Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(zeroPage[0x21C..]), Is.EqualTo(10000u));
            Assert.That(initrdAddress % 4096, Is.Zero);
            Assert.That(memory.Span(initrdAddress, 10000).ToArray(), Is.EqualTo(File.ReadAllBytes(initrd)));
            Assert.That(zeroPage[0x1E8], Is.EqualTo(map.Count));
            Assert.That(BinaryPrimitives.ReadUInt64LittleEndian(zeroPage[(0x2D0 + 20)..]), Is.EqualTo(map[1].Address));
            Assert.That(BinaryPrimitives.ReadUInt64LittleEndian(zeroPage[0x70..]), Is.EqualTo(0xE0000UL), "acpi_rsdp_addr");
        }
        finally
        {
            File.Delete(initrd);
        }
    }

    [Test]
    public void Pvh_entry_is_found_in_the_vmlinux_elf_note()
    {
        GuestFixtures.RequireKvm();
        var image = new PvhElfImage(File.ReadAllBytes(GuestFixtures.Vmlinux));
        Assert.That(image.Entry, Is.InRange(0x1000000u, 0x4000000u), "a physical address inside the kernel image");
    }
}
