using CloudBox.Hypervisor.Devices;
using CloudBox.Hypervisor.Devices.Pci;

namespace CloudBox.Hypervisor.Tests;

[TestFixture]
public sealed class PciHotplugControllerTests
{
    /// <summary>Counts rising edges on the event interrupt.</summary>
    private sealed class EdgeCounter : IInterruptLine
    {
        private int _edges;
        public int Edges => Volatile.Read(ref _edges);
        public void Set(bool level)
        {
            if (level) Interlocked.Increment(ref _edges);
        }
    }

    [Test]
    public void The_event_edge_repeats_until_the_guest_reads_the_masks_which_clear_on_read()
    {
        var line = new EdgeCounter();
        using var controller = new PciHotplugController(line);
        controller.AnnounceInsertion(3);
        controller.RequestEject(5);
        Assert.That(line.Edges, Is.EqualTo(2));
        Thread.Sleep(PciHotplugController.RepeatInterval * 2.5);
        Assert.That(line.Edges, Is.GreaterThanOrEqualTo(3), "an unread event is signalled again (a guest not yet listening)");

        Assert.That(Read(controller, PciHotplugController.InsertedOffset), Is.EqualTo(1u << 3));
        Assert.That(Read(controller, PciHotplugController.EjectRequestOffset), Is.EqualTo(1u << 5));
        Assert.That(Read(controller, PciHotplugController.InsertedOffset), Is.Zero, "read clears");
        var edges = line.Edges;
        Thread.Sleep(PciHotplugController.RepeatInterval * 2.5);
        Assert.That(line.Edges, Is.EqualTo(edges), "nothing pending, no more edges");
    }

    [Test]
    public void Writing_the_ejected_mask_reports_each_slot()
    {
        using var controller = new PciHotplugController(new EdgeCounter());
        var ejected = new List<int>();
        controller.Ejected += ejected.Add;
        controller.Write(PciHotplugController.BasePort + PciHotplugController.EjectedOffset, BitConverter.GetBytes((1u << 2) | (1u << 31) | 1u));
        Assert.That(ejected, Is.EqualTo(new[] { 2, 31 }), "slot 0 (the host bridge) is never ejected");
    }

    private static uint Read(PciHotplugController controller, int offset)
    {
        var data = new byte[4];
        controller.Read((ushort)(PciHotplugController.BasePort + offset), data);
        return BitConverter.ToUInt32(data);
    }
}
