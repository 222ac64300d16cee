using System.Runtime.InteropServices;

namespace CloudBox.Linux.Interop;

/// <summary>Raw libc entry points. Everything here returns -1 and sets errno on failure; callers go through the typed wrappers.</summary>
internal static unsafe partial class Libc
{
    private const string Name = "libc";

    [LibraryImport(Name, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags, int mode);

    [LibraryImport(Name, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport(Name, EntryPoint = "read", SetLastError = true)]
    internal static partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport(Name, EntryPoint = "write", SetLastError = true)]
    internal static partial nint Write(int fd, void* buffer, nuint count);

    [LibraryImport(Name, EntryPoint = "pread64", SetLastError = true)]
    internal static partial nint PRead(int fd, void* buffer, nuint count, long offset);

    [LibraryImport(Name, EntryPoint = "readv", SetLastError = true)]
    internal static partial nint ReadV(int fd, IoVec* vectors, int count);

    [LibraryImport(Name, EntryPoint = "writev", SetLastError = true)]
    internal static partial nint WriteV(int fd, IoVec* vectors, int count);

    [LibraryImport(Name, EntryPoint = "fdatasync", SetLastError = true)]
    internal static partial int FDataSync(int fd);

    [LibraryImport(Name, EntryPoint = "sync_file_range", SetLastError = true)]
    internal static partial int SyncFileRange(int fd, long offset, long length, uint flags);

    [LibraryImport(Name, EntryPoint = "ftruncate", SetLastError = true)]
    internal static partial int FTruncate(int fd, long length);

    [LibraryImport(Name, EntryPoint = "fallocate", SetLastError = true)]
    internal static partial int FAllocate(int fd, int mode, long offset, long length);

    [LibraryImport(Name, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(int fd, ulong request, void* argument);

    [LibraryImport(Name, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(int fd, ulong request, ulong argument);

    [LibraryImport(Name, EntryPoint = "getrandom", SetLastError = true)]
    internal static partial nint GetRandom(void* buffer, nuint length, uint flags);

    [LibraryImport(Name, EntryPoint = "mmap", SetLastError = true)]
    internal static partial void* MMap(void* address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport(Name, EntryPoint = "munmap", SetLastError = true)]
    internal static partial int MUnmap(void* address, nuint length);

    [LibraryImport(Name, EntryPoint = "madvise", SetLastError = true)]
    internal static partial int MAdvise(void* address, nuint length, int advice);

    [LibraryImport(Name, EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int MemfdCreate(string name, uint flags);

    [LibraryImport(Name, EntryPoint = "eventfd", SetLastError = true)]
    internal static partial int EventFd(uint initial, int flags);

    [LibraryImport(Name, EntryPoint = "epoll_create1", SetLastError = true)]
    internal static partial int EpollCreate1(int flags);

    [LibraryImport(Name, EntryPoint = "epoll_ctl", SetLastError = true)]
    internal static partial int EpollCtl(int epfd, int op, int fd, EpollEvent* ev);

    [LibraryImport(Name, EntryPoint = "epoll_wait", SetLastError = true)]
    internal static partial int EpollWait(int epfd, EpollEvent* events, int maxEvents, int timeout);

    [LibraryImport(Name, EntryPoint = "poll", SetLastError = true)]
    internal static partial int Poll(PollFd* fds, nuint count, int timeout);

    [LibraryImport(Name, EntryPoint = "sigaction", SetLastError = true)]
    internal static partial int SigAction(int signal, SigActionStruct* action, SigActionStruct* old);

    /// <summary>syscall(2) with up to six integer arguments: io_uring has no libc wrapper.</summary>
    [LibraryImport(Name, EntryPoint = "syscall", SetLastError = true)]
    internal static partial long Syscall(long number, nint a1, nint a2, nint a3, nint a4, nint a5, nint a6);

    [LibraryImport(Name, EntryPoint = "pwrite64", SetLastError = true)]
    internal static partial nint PWrite(int fd, void* buffer, nuint count, long offset);

    [LibraryImport(Name, EntryPoint = "preadv", SetLastError = true)]
    internal static partial nint PReadV(int fd, Files.IoVector* vectors, int count, long offset);

    [LibraryImport(Name, EntryPoint = "pwritev", SetLastError = true)]
    internal static partial nint PWriteV(int fd, Files.IoVector* vectors, int count, long offset);

    [LibraryImport(Name, EntryPoint = "pwritev2", SetLastError = true)]
    internal static partial nint PWriteV2(int fd, Files.IoVector* vectors, int count, long offset, int flags);

    [LibraryImport(Name, EntryPoint = "fsync", SetLastError = true)]
    internal static partial int FSync(int fd);

    [LibraryImport(Name, EntryPoint = "lseek64", SetLastError = true)]
    internal static partial long LSeek(int fd, long offset, int whence);

    [LibraryImport(Name, EntryPoint = "pthread_self")]
    internal static partial nuint PthreadSelf();

    [LibraryImport(Name, EntryPoint = "pthread_kill")]
    internal static partial int PthreadKill(nuint thread, int signal);

    [LibraryImport(Name, EntryPoint = "gettid")]
    internal static partial int GetTid();

    [StructLayout(LayoutKind.Sequential)]
    internal struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    internal struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    /// <summary>glibc's struct sigaction on x86_64: handler, 1024-bit mask, flags, restorer.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SigActionStruct
    {
        public nint Handler;
        public fixed ulong Mask[16];
        public int Flags;
        public nint Restorer;
    }
}
