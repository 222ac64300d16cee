namespace CloudBox.Linux.Kvm;

/// <summary>One GSI routed to an MSI message (an MSI-X table entry), for KVM_SET_GSI_ROUTING.</summary>
public readonly record struct KvmMsiRoute(uint Gsi, uint AddressLow, uint AddressHigh, uint Data);
