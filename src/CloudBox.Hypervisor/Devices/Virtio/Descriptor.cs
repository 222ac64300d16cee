namespace CloudBox.Hypervisor.Devices.Virtio;

/// <summary>One buffer of a descriptor chain: guest address, length, and whether the device writes it.</summary>
public readonly record struct Descriptor(ulong Address, uint Length, bool Writable);
