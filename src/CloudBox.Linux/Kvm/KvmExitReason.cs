namespace CloudBox.Linux.Kvm;

/// <summary>kvm_run.exit_reason values (KVM_EXIT_*).</summary>
public enum KvmExitReason : uint
{
    Unknown = 0,
    Exception = 1,
    Io = 2,
    Hypercall = 3,
    Debug = 4,
    Hlt = 5,
    Mmio = 6,
    IrqWindowOpen = 7,
    Shutdown = 8,
    FailEntry = 9,
    Intr = 10,
    SetTpr = 11,
    TprAccess = 12,
    Nmi = 16,
    InternalError = 17,
    Osi = 18,
    PaprHcall = 19,
    Watchdog = 21,
    Epr = 23,
    SystemEvent = 24,
    IoapicEoi = 26,
    HyperV = 27,
    Xen = 34,
    X86RdMsr = 29,
    X86WrMsr = 30,
    DirtyRingFull = 31,
    ApResetHold = 32,
    X86BusLock = 33,
    /// <summary>One past the largest reason we count individually.</summary>
    Count = 40,
}
