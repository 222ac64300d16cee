namespace CloudBox.Linux.Confinement;

/// <summary>x86_64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl) the VMM's filters name.</summary>
public static class Syscall
{
    public const int Read = 0, Write = 1, Open = 2, Close = 3, Stat = 4, Fstat = 5, Lstat = 6, Poll = 7, Lseek = 8, Mmap = 9;
    public const int Mprotect = 10, Munmap = 11, Brk = 12, RtSigaction = 13, RtSigprocmask = 14, RtSigreturn = 15, Ioctl = 16;
    public const int Pread64 = 17, Pwrite64 = 18, Readv = 19, Writev = 20, Access = 21, Pipe = 22, Select = 23, SchedYield = 24;
    public const int Mremap = 25, Msync = 26, Mincore = 27, Madvise = 28, Dup = 32, Dup2 = 33, Nanosleep = 35, Getpid = 39;
    public const int Socket = 41, Connect = 42, Accept = 43, Sendto = 44, Recvfrom = 45, Sendmsg = 46, Recvmsg = 47, Shutdown = 48;
    public const int Bind = 49, Listen = 50, Getsockname = 51, Getpeername = 52, Socketpair = 53, Setsockopt = 54, Getsockopt = 55;
    public const int Clone = 56, Fork = 57, Vfork = 58, Execve = 59, Exit = 60, Wait4 = 61, Kill = 62, Uname = 63, Fcntl = 72;
    public const int Flock = 73, Fsync = 74, Fdatasync = 75, Ftruncate = 77, Getdents = 78, Getcwd = 79, Rename = 82, Mkdir = 83;
    public const int Unlink = 87, Readlink = 89, Fchmod = 91, Chown = 92, Umask = 95, Gettimeofday = 96, Getrlimit = 97, Getrusage = 98;
    public const int Sysinfo = 99, Ptrace = 101, Getuid = 102, Getgid = 104, Setuid = 105, Setgid = 106, Geteuid = 107, Getegid = 108;
    public const int Getppid = 110, Setsid = 112, Setreuid = 113, Setregid = 114, Setgroups = 116, Setresuid = 117, Setresgid = 119;
    public const int Capget = 125, Capset = 126, RtSigpending = 127, RtSigtimedwait = 128, RtSigqueueinfo = 129, RtSigsuspend = 130;
    public const int Sigaltstack = 131, Mknod = 133, Personality = 135, Statfs = 137, Fstatfs = 138, Getpriority = 140;
    public const int SchedSetparam = 142, SchedGetparam = 143, SchedSetscheduler = 144, SchedGetscheduler = 145;
    public const int SchedGetPriorityMax = 146, SchedGetPriorityMin = 147, Mlock = 149, Munlock = 150, Prctl = 157, ArchPrctl = 158;
    public const int Setrlimit = 160, Chroot = 161, Mount = 165, Umount2 = 166, Swapon = 167, Reboot = 169, Iopl = 172, Ioperm = 173;
    public const int InitModule = 175, Gettid = 186, Readahead = 187, Tkill = 200, Time = 201, Futex = 202, SchedSetaffinity = 203;
    public const int SchedGetaffinity = 204, EpollCreate = 213, Getdents64 = 217, SetTidAddress = 218, RestartSyscall = 219, Fadvise64 = 221;
    public const int ClockGettime = 228, ClockGetres = 229, ClockNanosleep = 230, ExitGroup = 231, EpollWait = 232, EpollCtl = 233;
    public const int Tgkill = 234, Mbind = 237, Openat = 257, Mkdirat = 258, Mknodat = 259, Newfstatat = 262, Unlinkat = 263;
    public const int Readlinkat = 267, Faccessat = 269, Pselect6 = 270, Ppoll = 271, Unshare = 272, SetRobustList = 273;
    public const int GetRobustList = 274, Splice = 275, Tee = 276, SyncFileRange = 277, EpollPwait = 281, Eventfd = 284;
    public const int Fallocate = 285, Accept4 = 288, Eventfd2 = 290, EpollCreate1 = 291, Dup3 = 292, Pipe2 = 293, Preadv = 295;
    public const int Pwritev = 296, RtTgsigqueueinfo = 297, PerfEventOpen = 298, Recvmmsg = 299, Prlimit64 = 302;
    public const int NameToHandleAt = 303, OpenByHandleAt = 304, Sendmmsg = 307, Setns = 308, Getcpu = 309, ProcessVmReadv = 310;
    public const int ProcessVmWritev = 311, FinitModule = 313, Seccomp = 317, Getrandom = 318, MemfdCreate = 319, Bpf = 321;
    public const int Execveat = 322, Userfaultfd = 323, Membarrier = 324, Preadv2 = 327, Pwritev2 = 328, Statx = 332, Rseq = 334;
    public const int PidfdSendSignal = 424, IoUringSetup = 425, IoUringEnter = 426, IoUringRegister = 427, PidfdOpen = 434;
    public const int Clone3 = 435, CloseRange = 436, Faccessat2 = 439, EpollPwait2 = 441, FutexWaitv = 449;
}
