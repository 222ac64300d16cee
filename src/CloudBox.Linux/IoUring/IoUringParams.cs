using System.Runtime.InteropServices;

namespace CloudBox.Linux.IoUring;

/// <summary>struct io_uring_params (120 bytes): what we ask of io_uring_setup and what the kernel answers.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct IoUringParams
{
    public uint SqEntries;
    public uint CqEntries;
    public IoUringSetupFlags Flags;
    public uint SqThreadCpu;
    public uint SqThreadIdle;
    public IoUringFeatures Features;
    public uint WqFd;
    public fixed uint Reserved[3];
    public SqRingOffsets SqOffsets;
    public CqRingOffsets CqOffsets;
}

/// <summary>struct io_sqring_offsets: where the submission ring's fields sit in its mapping.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct SqRingOffsets
{
    public uint Head;
    public uint Tail;
    public uint RingMask;
    public uint RingEntries;
    public uint Flags;
    public uint Dropped;
    public uint Array;
    public uint Reserved1;
    public ulong UserAddress;
}

/// <summary>struct io_cqring_offsets: where the completion ring's fields sit in its mapping.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct CqRingOffsets
{
    public uint Head;
    public uint Tail;
    public uint RingMask;
    public uint RingEntries;
    public uint Overflow;
    public uint Cqes;
    public uint Flags;
    public uint Reserved1;
    public ulong UserAddress;
}
