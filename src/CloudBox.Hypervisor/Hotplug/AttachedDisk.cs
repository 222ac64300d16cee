using CloudBox.Hypervisor.Configuration;
using CloudBox.Hypervisor.Devices.Virtio;

namespace CloudBox.Hypervisor.Hotplug;

/// <summary>A disk in the running machine: its configuration, its PCI slot and its virtio function.</summary>
public sealed record AttachedDisk(DiskConfig Config, int Slot, VirtioPciDevice Device) : AttachedDevice(Slot, Device)
{
    public override string Id => Config.Id ?? "";
    public override string Kind => "disk";
}
