using System.Runtime.InteropServices;
using CloudBox.Linux.Interop;

namespace CloudBox.Linux.Files;

/// <summary>cachestat(2) (Linux 6.5+): how much of a file range sits in the page cache, and how much of it is not yet on disk.</summary>
public static unsafe class PageCache
{
    private const long SysCachestat = 451;

    /// <summary>The page-cache state of a range; null where the kernel has no cachestat (ENOSYS).</summary>
    public static PageCacheState? Stat(int fd, long offset, long length)
    {
        var range = stackalloc ulong[] { (ulong)offset, (ulong)length };
        PageCacheState state;
        if (Libc.Syscall(SysCachestat, fd, (nint)range, (nint)(&state), 0, 0, 0) == 0) return state;
        var errno = Marshal.GetLastPInvokeError();
        return errno == Errno.ENOSYS ? null : throw new LinuxException("cachestat", errno);
    }
}

/// <summary>struct cachestat: pages of the range cached, dirty (written, not yet on disk), under writeback, evicted.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct PageCacheState
{
    public ulong Cached;
    public ulong Dirty;
    public ulong Writeback;
    public ulong Evicted;
    public ulong RecentlyEvicted;
}
