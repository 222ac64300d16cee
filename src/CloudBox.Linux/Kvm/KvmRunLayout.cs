namespace CloudBox.Linux.Kvm;

/// <summary>Byte offsets inside the shared struct kvm_run page. Read through pointers: the page is written by the kernel.</summary>
public static class KvmRunLayout
{
    public const int RequestInterruptWindow = 0;
    public const int ImmediateExit = 1;
    public const int ExitReason = 8;
    public const int ReadyForInterruptInjection = 12;
    public const int IfFlag = 13;

    /// <summary>Start of the exit-specific union.</summary>
    public const int Union = 32;

    // KVM_EXIT_IO
    public const int IoDirection = 32;
    public const int IoSize = 33;
    public const int IoPort = 34;
    public const int IoCount = 36;
    public const int IoDataOffset = 40;
    public const byte IoDirectionIn = 0;
    public const byte IoDirectionOut = 1;

    // KVM_EXIT_MMIO
    public const int MmioPhysAddr = 32;
    public const int MmioData = 40;
    public const int MmioLen = 48;
    public const int MmioIsWrite = 52;

    // KVM_EXIT_SYSTEM_EVENT
    public const int SystemEventType = 32;
    public const uint SystemEventShutdown = 1;
    public const uint SystemEventReset = 2;
    public const uint SystemEventCrash = 3;

    // KVM_EXIT_INTERNAL_ERROR
    public const int InternalSuberror = 32;
    public const int InternalNdata = 36;
    public const int InternalData = 40;

    // KVM_EXIT_FAIL_ENTRY
    public const int FailEntryReason = 32;
}
