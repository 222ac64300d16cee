namespace CloudBox.Linux.Kvm;

/// <summary>KVM_MP_STATE_*: whether a vCPU runs or waits for INIT/SIPI.</summary>
public enum KvmMpState : uint
{
    Runnable = 0,
    Uninitialized = 1,
    InitReceived = 2,
    Halted = 3,
    SipiReceived = 4,
}
