namespace CloudBox.Hypervisor.Kvm;

/// <summary>The guest pointed a device at an address range that is not RAM.</summary>
public sealed class GuestMemoryException(ulong address, int length)
    : Exception($"guest address range 0x{address:x}+{length} is not RAM")
{
}
