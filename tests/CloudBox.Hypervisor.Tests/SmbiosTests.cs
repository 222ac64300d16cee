using System.Buffers.Binary;
using System.Text;
using CloudBox.Hypervisor.Kvm;

namespace CloudBox.Hypervisor.Tests;

[TestFixture]
public sealed class SmbiosTests
{
    [Test]
    public void System_information_names_openstack_nova_and_carries_the_configured_uuid_across_boots()
    {
        GuestFixtures.RequireKvm();
        const string uuid = "0e6a4a8e-1c55-4a47-9ad2-3f0c8c1d2b7a";
        using var guest = new TinyGuest(TinyGuest.HaltForever, configure: c => c.Uuid = uuid);
        var vm = guest.Host.Prepare(); // the host disposes it
        var entry = vm.Memory.Span(MemoryLayout.SmbiosTables, 0x18);
        Assert.That(Encoding.ASCII.GetString(entry[..5]), Is.EqualTo("_SM3_"));
        var table = vm.Memory.Span(BinaryPrimitives.ReadUInt64LittleEndian(entry[16..]), (int)BinaryPrimitives.ReadUInt32LittleEndian(entry[12..])).ToArray();

        var at = 0;
        while (table[at] != 1) at = NextStructure(table, at);
        var strings = Strings(table, at);
        Assert.That(strings[table[at + 5] - 1], Is.EqualTo("OpenStack Nova"), "product name");
        // dmidecode (and cloud-init) print the UUID with its first three fields little-endian, as Guid stores them.
        Assert.That(new Guid(table.AsSpan(at + 8, 16)), Is.EqualTo(Guid.Parse(uuid)));
        Assert.That(strings[table[at + 7] - 1], Is.EqualTo(uuid), "serial number");
    }

    private static int NextStructure(byte[] table, int at)
    {
        var end = at + table[at + 1];
        while (table[end] != 0 || table[end + 1] != 0) end++;
        return end + 2;
    }

    private static List<string> Strings(byte[] table, int at)
    {
        var list = new List<string>();
        var position = at + table[at + 1];
        while (table[position] != 0)
        {
            var end = Array.IndexOf(table, (byte)0, position);
            list.Add(Encoding.ASCII.GetString(table, position, end - position));
            position = end + 1;
        }
        return list;
    }
}
