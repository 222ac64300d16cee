namespace CloudBox.Linux.Kvm;

/// <summary>KVM_CAP_* numbers checked before a VM is built.</summary>
public enum KvmCapability
{
    Irqchip = 0,
    Hlt = 1,
    UserMemory = 3,
    SetTssAddr = 4,
    ExtCpuid = 7,
    IrqRouting = 25,
    Irqfd = 32,
    Pit2 = 33,
    Ioeventfd = 36,
    SetIdentityMapAddr = 37,
    SignalMsi = 77,
    ImmediateExit = 136,
}
