using CloudBox.Hypervisor.Devices.Virtio;

namespace CloudBox.Hypervisor.Hotplug;

/// <summary>A hot-pluggable virtio function in the running machine: its id in the control API, its PCI slot and its device.</summary>
public abstract record AttachedDevice(int Slot, VirtioPciDevice Device)
{
    public abstract string Id { get; }

    /// <summary>"disk" or "net": the word in messages, and the namespace of <see cref="Id"/> (a disk and a NIC may share an id).</summary>
    public abstract string Kind { get; }
}
