using System.Runtime.InteropServices;
using CloudBox.Linux.Interop;
using CloudBox.Linux.Memory;

namespace CloudBox.Linux.IoUring;

/// <summary>
/// One io_uring instance: the descriptor from io_uring_setup and the three shared mappings (SQ ring, CQ ring, SQE
/// array), exposed as raw pointers to the ring fields so the owner can produce and consume without system calls.
/// io_uring_enter and io_uring_register are thin calls on top; the ring protocol itself lives in the caller.
/// </summary>
public sealed unsafe class IoUringInstance : IDisposable
{
    private readonly FileDescriptor _fd;
    private readonly MemoryMapping _sqRing;
    private readonly MemoryMapping _cqRing;
    private readonly MemoryMapping _sqes;

    private IoUringInstance(FileDescriptor fd, in IoUringParams p)
    {
        _fd = fd;
        Parameters = p;
        try
        {
            _sqRing = MemoryMapping.MapShared(fd, p.SqOffsets.Array + p.SqEntries * sizeof(uint), IoUringAbi.OffSqRing);
            _cqRing = MemoryMapping.MapShared(fd, p.CqOffsets.Cqes + p.CqEntries * sizeof(IoUringCqe), IoUringAbi.OffCqRing);
            _sqes = MemoryMapping.MapShared(fd, p.SqEntries * sizeof(IoUringSqe), IoUringAbi.OffSqes);
        }
        catch
        {
            _sqRing?.Dispose();
            _cqRing?.Dispose();
            fd.Dispose();
            throw;
        }
        var sq = _sqRing.Pointer;
        var cq = _cqRing.Pointer;
        SqHead = (uint*)(sq + p.SqOffsets.Head);
        SqTail = (uint*)(sq + p.SqOffsets.Tail);
        SqMask = *(uint*)(sq + p.SqOffsets.RingMask);
        SqFlags = (uint*)(sq + p.SqOffsets.Flags);
        SqArray = (uint*)(sq + p.SqOffsets.Array);
        Sqes = (IoUringSqe*)_sqes.Pointer;
        CqHead = (uint*)(cq + p.CqOffsets.Head);
        CqTail = (uint*)(cq + p.CqOffsets.Tail);
        CqMask = *(uint*)(cq + p.CqOffsets.RingMask);
        Cqes = (IoUringCqe*)(cq + p.CqOffsets.Cqes);
    }

    /// <summary>What the kernel answered: ring sizes, features, offsets.</summary>
    public IoUringParams Parameters { get; }

    public int Fd => _fd.Value;
    public uint* SqHead { get; }
    public uint* SqTail { get; }
    public uint SqMask { get; }
    public uint* SqFlags { get; }
    public uint* SqArray { get; }
    public IoUringSqe* Sqes { get; }
    public uint* CqHead { get; }
    public uint* CqTail { get; }
    public uint CqMask { get; }
    public IoUringCqe* Cqes { get; }

    /// <summary>io_uring_setup; throws <see cref="IoUringUnavailableException"/> when the kernel will not give us a ring.</summary>
    public static IoUringInstance Create(uint entries, ref IoUringParams p)
    {
        int fd;
        fixed (IoUringParams* pp = &p)
            fd = (int)Libc.Syscall(IoUringAbi.SysSetup, (nint)entries, (nint)pp, 0, 0, 0, 0);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw errno switch
            {
                Errno.ENOSYS => new IoUringUnavailableException(errno, "the kernel has no io_uring_setup"),
                Errno.EPERM => new IoUringUnavailableException(errno, "refused by kernel.io_uring_disabled or a seccomp filter"),
                Errno.ENOMEM => new IoUringUnavailableException(errno, "out of memory or RLIMIT_MEMLOCK for the rings"),
                _ => new LinuxException("io_uring_setup", errno),
            };
        }
        return new IoUringInstance(new FileDescriptor(fd), p);
    }

    /// <summary>io_uring_enter: submit up to <paramref name="toSubmit"/> entries and optionally wait for completions. Returns the number submitted or a negated errno.</summary>
    public int Enter(uint toSubmit, uint minComplete, IoUringEnterFlags flags)
    {
        var n = Libc.Syscall(IoUringAbi.SysEnter, _fd.Value, (nint)toSubmit, (nint)minComplete, (nint)flags, 0, 0);
        return n >= 0 ? (int)n : -Marshal.GetLastPInvokeError();
    }

    /// <summary>Registers file descriptors so entries can name them by index (IOSQE_FIXED_FILE): no fget/fput per request.</summary>
    public void RegisterFiles(ReadOnlySpan<int> fds)
    {
        fixed (int* p = fds) Register(IoUringAbi.RegisterFiles, p, (uint)fds.Length, "io_uring_register files");
    }

    /// <summary>Registers (pins) buffers for READ_FIXED/WRITE_FIXED: no page pinning per request. Each buffer is at most 1 GiB.</summary>
    public void RegisterBuffers(ReadOnlySpan<Files.IoVector> buffers)
    {
        fixed (Files.IoVector* p = buffers) Register(IoUringAbi.RegisterBuffers, p, (uint)buffers.Length, "io_uring_register buffers");
    }

    /// <summary>Has the kernel signal an eventfd whenever a completion is posted (a poller's wake-up).</summary>
    public void RegisterEventFd(int eventFd) => Register(IoUringAbi.RegisterEventFd, &eventFd, 1, "io_uring_register eventfd");

    private void Register(uint opcode, void* argument, uint count, string operation)
    {
        if (Libc.Syscall(IoUringAbi.SysRegister, _fd.Value, (nint)opcode, (nint)argument, (nint)count, 0, 0) < 0)
            throw LinuxException.FromLastError(operation);
    }

    public void Dispose()
    {
        _sqes.Dispose();
        _cqRing.Dispose();
        _sqRing.Dispose();
        _fd.Dispose();
    }
}
