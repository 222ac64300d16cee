using System.Text;
using CloudBox.Hypervisor.Kvm;

namespace CloudBox.Hypervisor.Boot;

/// <summary>
/// SMBIOS 3.0 at 0xF0000 with BIOS, system ("OpenStack Nova", so cloud-init recognises the platform) and chassis
/// structures.
/// </summary>
public static class SmbiosTables
{
    public const string Manufacturer = "OpenStack Foundation";
    public const string ProductName = "OpenStack Nova";

    public static void Write(GuestMemory memory, Guid uuid, string serial)
    {
        var table = new MemoryStream();
        var w = new BinaryWriter(table);

        // Type 0: BIOS information.
        w.Write((byte)0); w.Write((byte)0x18); w.Write((ushort)0);
        w.Write((byte)1); w.Write((byte)2); w.Write((ushort)0xE800); w.Write((byte)3); w.Write((byte)0);
        w.Write(1UL << 3); // characteristics not supported
        w.Write((byte)0); w.Write((byte)0x08); // virtual machine
        w.Write((byte)1); w.Write((byte)0); w.Write((byte)0xFF); w.Write((byte)0xFF);
        Strings(w, "CloudBox", "1.0", "01/01/2026");

        // Type 1: system information.
        w.Write((byte)1); w.Write((byte)0x1B); w.Write((ushort)1);
        w.Write((byte)1); w.Write((byte)2); w.Write((byte)3); w.Write((byte)4);
        w.Write(uuid.ToByteArray()); // SMBIOS stores the first three fields little-endian, as Guid does
        w.Write((byte)6); // wake-up: power switch
        w.Write((byte)5); w.Write((byte)6);
        Strings(w, Manufacturer, ProductName, "1.0", serial, "CloudBox", "Virtual Machine");

        // Type 3: chassis, with the asset tag cloud-init also accepts.
        w.Write((byte)3); w.Write((byte)0x0D); w.Write((ushort)2);
        w.Write((byte)1); w.Write((byte)1); w.Write((byte)0); w.Write((byte)0); w.Write((byte)2);
        w.Write((byte)3); w.Write((byte)3); w.Write((byte)3); w.Write((byte)2);
        Strings(w, Manufacturer, ProductName);

        // Type 127: end of table.
        w.Write((byte)127); w.Write((byte)4); w.Write((ushort)3);
        w.Write((ushort)0);
        w.Flush();
        var structures = table.ToArray();

        var entry = new byte[0x18];
        Encoding.ASCII.GetBytes("_SM3_").CopyTo(entry, 0);
        entry[6] = 0x18;
        entry[7] = 3; entry[8] = 0; entry[9] = 0; entry[10] = 1;
        BitConverter.TryWriteBytes(entry.AsSpan(12), (uint)structures.Length);
        var tableAddress = MemoryLayout.SmbiosTables + 0x20;
        BitConverter.TryWriteBytes(entry.AsSpan(16), tableAddress);
        entry[5] = Acpi.AcpiTable.Checksum(entry);
        memory.Write(MemoryLayout.SmbiosTables, entry);
        memory.Write(tableAddress, structures);
    }

    private static void Strings(BinaryWriter w, params string[] values)
    {
        foreach (var v in values)
        {
            w.Write(Encoding.ASCII.GetBytes(v));
            w.Write((byte)0);
        }
        w.Write((byte)0);
    }
}
