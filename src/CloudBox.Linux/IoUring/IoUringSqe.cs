using System.Runtime.InteropServices;

namespace CloudBox.Linux.IoUring;

/// <summary>struct io_uring_sqe (64 bytes), the fields block I/O uses; unions are named for that use.</summary>
[StructLayout(LayoutKind.Explicit, Size = 64)]
public struct IoUringSqe
{
    [FieldOffset(0)] public IoUringOp Opcode;
    [FieldOffset(1)] public IoUringSqeFlags Flags;
    [FieldOffset(2)] public ushort IoPriority;
    [FieldOffset(4)] public int Fd;
    /// <summary>File offset (read, write, fallocate).</summary>
    [FieldOffset(8)] public ulong Offset;
    /// <summary>Buffer or iovec array address; the length for fallocate.</summary>
    [FieldOffset(16)] public ulong Address;
    /// <summary>Buffer length, iovec count, or the mode for fallocate.</summary>
    [FieldOffset(24)] public uint Length;
    /// <summary>rw_flags / fsync_flags.</summary>
    [FieldOffset(28)] public uint OpFlags;
    [FieldOffset(32)] public ulong UserData;
    /// <summary>Registered buffer index for READ_FIXED / WRITE_FIXED.</summary>
    [FieldOffset(40)] public ushort BufferIndex;
    [FieldOffset(42)] public ushort Personality;
    [FieldOffset(44)] public uint FileIndex;
    [FieldOffset(48)] public ulong Address3;
    [FieldOffset(56)] public ulong Pad;
}

/// <summary>struct io_uring_cqe (16 bytes, without CQE32).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct IoUringCqe
{
    public ulong UserData;
    /// <summary>Bytes transferred, 0, or a negated errno.</summary>
    public int Result;
    public uint Flags;
}
