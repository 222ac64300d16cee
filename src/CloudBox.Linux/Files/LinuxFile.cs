using CloudBox.Linux.Interop;

namespace CloudBox.Linux.Files;

/// <summary>Plain file-descriptor system calls: open, read, write, sync, hole punching.</summary>
public static unsafe class LinuxFile
{
    private const int FallocPunchHole = 0x02;
    private const int FallocKeepSize = 0x01;
    private const int FallocZeroRange = 0x10;
    private const uint SyncFileRangeWaitBefore = 0x1;
    private const uint SyncFileRangeWrite = 0x2;

    public static FileDescriptor Open(string path, OpenFlags flags, int mode = 0)
    {
        var fd = Libc.Open(path, (int)(flags | OpenFlags.CloseOnExec), mode);
        return FileDescriptor.Check(fd, $"open {path}");
    }

    /// <summary>read(2); returns -1 for EAGAIN on a non-blocking descriptor, throws on other errors.</summary>
    public static int Read(int fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var n = Libc.Read(fd, p, (nuint)buffer.Length);
                if (n >= 0) return (int)n;
                var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR) continue;
                if (errno == Errno.EAGAIN) return -1;
                throw new LinuxException("read", errno);
            }
        }
    }

    /// <summary>write(2); returns -1 for EAGAIN on a non-blocking descriptor, throws on other errors.</summary>
    public static int Write(int fd, ReadOnlySpan<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var n = Libc.Write(fd, p, (nuint)buffer.Length);
                if (n >= 0) return (int)n;
                var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR) continue;
                if (errno == Errno.EAGAIN) return -1;
                throw new LinuxException("write", errno);
            }
        }
    }

    public static void DataSync(int fd)
    {
        if (Libc.FDataSync(fd) != 0) throw LinuxException.FromLastError("fdatasync");
    }

    /// <summary>
    /// Starts write-back of a byte range's dirty pages without waiting for it (sync_file_range
    /// SYNC_FILE_RANGE_WRITE), first waiting for any write-back already under way there. Not a
    /// durability point (no metadata, no disk cache flush): it lets the disk work while a stream is
    /// still being written, so the fsync at the end finds little left to do.
    /// </summary>
    public static void StartWriteback(int fd, long offset, long length)
    {
        while (Libc.SyncFileRange(fd, offset, length, SyncFileRangeWaitBefore | SyncFileRangeWrite) != 0)
        {
            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno != Errno.EINTR) throw new LinuxException("sync_file_range", errno);
        }
    }

    /// <summary>Deallocates a byte range so it reads back as zeros; false if the file system cannot.</summary>
    public static bool PunchHole(int fd, long offset, long length)
    {
        if (Libc.FAllocate(fd, FallocPunchHole | FallocKeepSize, offset, length) == 0) return true;
        var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        if (errno == Errno.EOPNOTSUPP) return false;
        throw new LinuxException("fallocate punch-hole", errno);
    }

    /// <summary>Zeroes a byte range in place; false if the file system cannot.</summary>
    public static bool ZeroRange(int fd, long offset, long length)
    {
        if (Libc.FAllocate(fd, FallocZeroRange | FallocKeepSize, offset, length) == 0) return true;
        var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        if (errno == Errno.EOPNOTSUPP) return false;
        throw new LinuxException("fallocate zero-range", errno);
    }
}
