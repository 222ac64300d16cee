using CloudBox.Hypervisor.Devices;
using CloudBox.Linux.Kvm;

namespace CloudBox.Hypervisor.Kvm;

/// <summary>A legacy interrupt line driven with KVM_IRQ_LINE on the in-kernel PIC and IOAPIC.</summary>
public sealed class KvmInterruptLine(KvmVm vm, uint gsi) : IInterruptLine
{
    public void Set(bool level) => vm.SetIrqLine(gsi, level);
}
