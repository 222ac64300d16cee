using CloudBox.Linux.Files;

namespace CloudBox.Linux.IoUring;

/// <summary>IORING_OP_*: the operations CloudBox submits.</summary>
public enum IoUringOp : byte
{
    Nop = 0,
    ReadV = 1,
    WriteV = 2,
    Fsync = 3,
    ReadFixed = 4,
    WriteFixed = 5,
    Fallocate = 17,
    Read = 22,
    Write = 23,
}

/// <summary>IOSQE_*: per-entry flags.</summary>
[Flags]
public enum IoUringSqeFlags : byte
{
    None = 0,
    FixedFile = 1,
    IoDrain = 2,
    IoLink = 4,
}

/// <summary>IORING_SETUP_*.</summary>
[Flags]
public enum IoUringSetupFlags : uint
{
    None = 0,
    IoPoll = 1,
    SqPoll = 2,
    SqAffinity = 4,
    CqSize = 8,
    Clamp = 16,
    SubmitAll = 128,
    CoopTaskRun = 256,
    SingleIssuer = 4096,
    DeferTaskRun = 8192,
}

/// <summary>IORING_FEAT_*: what the kernel reports it can do.</summary>
[Flags]
public enum IoUringFeatures : uint
{
    None = 0,
    SingleMmap = 1,
    NoDrop = 2,
    SubmitStable = 4,
    SqPollNonFixed = 128,
}

/// <summary>IORING_ENTER_*.</summary>
[Flags]
public enum IoUringEnterFlags : uint
{
    None = 0,
    GetEvents = 1,
    SqWakeup = 2,
    SqWait = 4,
}

/// <summary>The numbers io_uring lives at: system calls, mmap offsets, ring flags, register opcodes.</summary>
public static class IoUringAbi
{
    public const long SysSetup = 425;
    public const long SysEnter = 426;
    public const long SysRegister = 427;

    public const long OffSqRing = 0;
    public const long OffCqRing = 0x8000000;
    public const long OffSqes = 0x10000000;

    /// <summary>IORING_SQ_NEED_WAKEUP in the SQ ring's flags: the SQPOLL thread went to sleep.</summary>
    public const uint SqNeedWakeup = 1;

    /// <summary>IORING_FSYNC_DATASYNC.</summary>
    public const uint FsyncDataSync = 1;

    /// <summary>RWF_DSYNC in a read/write entry's rw_flags: the write completes only once its data is durable.</summary>
    public const uint RwfDataSync = PositionalIo.RwfDataSync;

    public const uint RegisterBuffers = 0;
    public const uint UnregisterBuffers = 1;
    public const uint RegisterFiles = 2;
    public const uint UnregisterFiles = 3;
    public const uint RegisterEventFd = 4;

    /// <summary>The kernel refuses a registered buffer larger than this (io_buffer_validate).</summary>
    public const long MaxRegisteredBuffer = 1L << 30;
}
