using CloudBox.Hypervisor.Configuration;
using CloudBox.Hypervisor.Devices.Virtio;

namespace CloudBox.Hypervisor.Hotplug;

/// <summary>A NIC in the running machine: its configuration (tap, MAC), its PCI slot and its virtio-net function.</summary>
public sealed record AttachedNet(NetConfig Config, int Slot, VirtioPciDevice Device) : AttachedDevice(Slot, Device)
{
    public override string Id => Config.Id ?? Config.Tap;
    public override string Kind => "net";
}
