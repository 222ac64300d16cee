using CloudBox.Linux;
using CloudBox.Linux.Confinement;
using static CloudBox.Linux.Confinement.Syscall;

namespace CloudBox.Hypervisor.Confinement;

/// <summary>
/// The VMM's seccomp allow-lists, one per kind of thread (Firecracker's vmm, vcpu and api filters), each ending in
/// "kill the process". The lists come from <c>strace -f</c> of the real VMM running every device (virtio-blk with
/// io_uring, virtio-net, virtio-rng, disk and NIC hot-plug, control API, reboot), plus what the .NET runtime does on
/// any managed thread (memory management for the GC, futexes, the signals it suspends threads with).
/// <para>
/// The process filter (every thread, TSYNC) is the outer bound: no exec, no ptrace or process_vm_*, no mount or
/// namespace calls, no set*id or capset, no module, bpf, perf, keyring or reboot calls, sockets only of the unix
/// family, ioctls only of KVM ('AE'), tun and terminal ('T') types, and signals only to its own threads. vCPU and
/// device-worker threads add a tighter filter of their own when they start: they may not open files, make, bind or
/// connect sockets, or use ioctls other than KVM's (threads they start for the runtime inherit that list).
/// </para>
/// </summary>
public static class ThreadFilters
{
    private const uint KvmIoctlType = 0xAE;
    private const uint TtyAndTunIoctlType = 0x54; // 'T': TUNSETIFF etc. and terminal ioctls (TCGETS, FIONBIO)
    private const uint AfUnix = 1;
    // CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET
    private const uint NamespaceFlags = 0x0002_0000 | 0x0200_0000 | 0x0400_0000 | 0x0800_0000 | 0x1000_0000 | 0x2000_0000 | 0x4000_0000;
    private const uint CloneThread = 0x0001_0000;

    private static int s_enabled;

    /// <summary>Whether vCPU and device-worker threads install their filters when they start (set once the process is confined, or by tests).</summary>
    public static bool Enabled
    {
        get => Volatile.Read(ref s_enabled) != 0;
        set => Volatile.Write(ref s_enabled, value ? 1 : 0);
    }

    /// <summary>What any managed thread may need: memory for the GC and JIT, futexes, signals, time, exit.</summary>
    private static SeccompFilter Runtime(SeccompFilter filter, int pid) => filter
        .Allow(Read, Write, Readv, Writev, Pread64, Pwrite64, Preadv, Pwritev, Preadv2, Pwritev2, Lseek, Close, Fstat, Newfstatat, Statx)
        .Allow(Mmap, Munmap, Mprotect, Madvise, Mremap, Brk, Membarrier, Mincore)
        .Allow(Futex, FutexWaitv, SetRobustList, GetRobustList, Rseq, SchedYield, SchedGetaffinity, SchedSetaffinity, Getcpu)
        .Allow(SchedGetparam, SchedSetparam, SchedGetscheduler, SchedSetscheduler, SchedGetPriorityMax, SchedGetPriorityMin)
        .Allow(RtSigaction, RtSigprocmask, RtSigreturn, Sigaltstack, RtSigtimedwait, RtSigpending, RtSigsuspend)
        .Allow(Nanosleep, ClockNanosleep, ClockGettime, ClockGetres, Gettimeofday, Time, Getrusage, Sysinfo, Getpid, Gettid, Getppid)
        .Allow(Getuid, Geteuid, Getgid, Getegid, Uname, Prlimit64, Getrandom, Poll, Ppoll, EpollWait, EpollPwait, EpollPwait2, EpollCtl)
        .Allow(Exit, ExitGroup)
        // A sleep or timed wait interrupted by a signal (the GC suspending threads) resumes through restart_syscall.
        .Allow(RestartSyscall)
        // Signals only to this process's own threads: the runtime suspends threads for the GC, the VMM kicks vCPUs.
        .AllowIfAny(Tgkill, ArgumentMatch.Equal(0, (uint)pid))
        .AllowIfAny(RtTgsigqueueinfo, ArgumentMatch.Equal(0, (uint)pid))
        // prctl only to name threads (PR_SET_NAME 15, PR_GET_NAME 16), read the dumpable flag (3) and set or read
        // no_new_privs (38, 39) before a thread adds its own filter; seccomp itself can only add restrictions.
        .AllowIfAny(Prctl, ArgumentMatch.Equal(0, 15), ArgumentMatch.Equal(0, 16), ArgumentMatch.Equal(0, 3), ArgumentMatch.Equal(0, 38), ArgumentMatch.Equal(0, 39))
        .Allow(Seccomp);

    /// <summary>Every thread of the confined VMM process (the control API's pool threads included).</summary>
    public static SeccompFilter Process(int pid) => Runtime(new SeccompFilter(SeccompAction.KillProcess)
            .AllowIfAny(Ioctl, ArgumentMatch.IoctlType((byte)KvmIoctlType), ArgumentMatch.IoctlType((byte)TtyAndTunIoctlType))
            .Allow(IoUringEnter, Read, Write, Readv, Writev, EpollWait, Futex), pid)
        // Files: the runtime reads its own (read-only) files and /proc; nothing can be reached outside the jail anyway.
        .Allow(Openat, Open, Stat, Lstat, Access, Faccessat, Faccessat2, Readlink, Readlinkat, Getdents64, Getcwd, Statfs, Fstatfs, Fcntl, Flock)
        .Allow(Dup, Dup2, Dup3, Pipe, Pipe2, Eventfd, Eventfd2, EpollCreate, EpollCreate1, MemfdCreate, Ftruncate, Fallocate, Fsync, Fdatasync)
        .Allow(SyncFileRange, Fadvise64, Readahead, Unlink, Unlinkat, Mkdir, Mkdirat, Rename, Fchmod, Umask, CloseRange, Select, Pselect6)
        .Allow(IoUringSetup, IoUringEnter, IoUringRegister)
        // Sockets: the control API's unix socket and its connections; nothing of any other family.
        .AllowIfAny(Socket, ArgumentMatch.Equal(0, AfUnix))
        .Allow(Accept, Accept4, Bind, Listen, Connect, Shutdown, Sendto, Recvfrom, Sendmsg, Recvmsg, Sendmmsg, Recvmmsg)
        .Allow(Getsockname, Getpeername, Setsockopt, Getsockopt, Socketpair)
        // Threads only, never new namespaces; clone3 keeps its flags in memory where a filter cannot see them, so it is
        // answered ENOSYS and glibc falls back to clone.
        .AllowIf(Clone, new[] { ArgumentMatch.Clear(0, NamespaceFlags), new ArgumentMatch(0, CloneThread, CloneThread) })
        .Fail(Errno.ENOSYS, Clone3)
        .Fail(Errno.EPERM, Kill, Tkill); // to other processes: refused, not fatal

    /// <summary>A vCPU thread: KVM_RUN and the other KVM ioctls of its exits, device emulation, the console.</summary>
    public static SeccompFilter Vcpu(int pid) => Worker(pid);

    /// <summary>
    /// A device worker (virtio queue service: io_uring for disks, tap reads and writes, eventfds, epoll). It shares the
    /// vCPU list: both run the same device code (a vCPU's notify may be served inline) and neither opens anything.
    /// </summary>
    public static SeccompFilter DeviceWorker(int pid) => Worker(pid);

    private static SeccompFilter Worker(int pid) => Runtime(new SeccompFilter(SeccompAction.KillProcess)
            // The hot calls first (the filter runs its rules in order on every call): KVM_RUN, queue I/O, waits.
            .AllowIfAny(Ioctl, ArgumentMatch.IoctlType((byte)KvmIoctlType))
            .Allow(IoUringEnter, Read, Write, Readv, Writev, EpollWait, Futex), pid)
        .Allow(Fsync, Fdatasync, SyncFileRange, Fallocate, Eventfd2, Fcntl, Dup, Dup3, Pipe2, EpollCreate1, IoUringSetup, IoUringRegister)
        // The runtime starts its own threads (pool workers, tiered compilation, GC) from whatever thread needs one, and
        // aborts if it cannot: threads are allowed, and what such a thread inherits is this list, so it also holds the
        // socket I/O a pool thread serving the control API does on descriptors it already has. Still refused here:
        // making sockets, connecting, binding, tun and terminal ioctls, and opening files.
        .AllowIf(Clone, new[] { ArgumentMatch.Clear(0, NamespaceFlags), new ArgumentMatch(0, CloneThread, CloneThread) })
        .Fail(Errno.ENOSYS, Clone3)
        .Allow(Accept, Accept4, Shutdown, Sendto, Recvfrom, Sendmsg, Recvmsg, Getsockname, Getpeername, Setsockopt, Getsockopt)
        // The runtime reads /proc files (memory load for the GC) on whatever thread allocates: it copes with a refusal.
        .Fail(Errno.EACCES, Openat, Open)
        .Fail(Errno.EPERM, Kill, Tkill);

    /// <summary>Installs the calling thread's filter when confinement is on; a no-op otherwise.</summary>
    public static void ApplyToCurrentThread(Func<int, SeccompFilter> kind)
    {
        if (!Enabled) return;
        kind(Environment.ProcessId).Install(allThreads: false);
    }
}
