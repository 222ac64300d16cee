using System.Runtime.InteropServices;
using CloudBox.Linux.Interop;

namespace CloudBox.Linux.Files;

/// <summary>
/// pread/pwrite/preadv/pwritev, fsync and fallocate returning the kernel's answer (bytes or a negated errno) instead
/// of throwing: the synchronous block path reports errors per request, like io_uring completions do.
/// </summary>
public static unsafe class PositionalIo
{
    public const int FallocKeepSize = 0x01;
    public const int FallocPunchHole = 0x02;

    /// <summary>RWF_DSYNC (pwritev2, io_uring rw_flags): per-write O_DSYNC, the write returns once its data is durable.</summary>
    public const int RwfDataSync = 0x02;
    private const int SeekData = 3;
    private const int SeekHole = 4;

    public static int Read(int fd, byte* buffer, int length, long offset)
    {
        while (true)
        {
            var n = Result(Libc.PRead(fd, buffer, (nuint)length, offset));
            if (n != -Errno.EINTR) return n;
        }
    }

    public static int Write(int fd, byte* buffer, int length, long offset)
    {
        while (true)
        {
            var n = Result(Libc.PWrite(fd, buffer, (nuint)length, offset));
            if (n != -Errno.EINTR) return n;
        }
    }

    public static int ReadVector(int fd, IoVector* vectors, int count, long offset)
    {
        while (true)
        {
            var n = Result(Libc.PReadV(fd, vectors, count, offset));
            if (n != -Errno.EINTR) return n;
        }
    }

    public static int WriteVector(int fd, IoVector* vectors, int count, long offset)
    {
        while (true)
        {
            var n = Result(Libc.PWriteV(fd, vectors, count, offset));
            if (n != -Errno.EINTR) return n;
        }
    }

    /// <summary>pwritev2 with per-write flags (<see cref="RwfDataSync"/>).</summary>
    public static int WriteVector(int fd, IoVector* vectors, int count, long offset, int flags)
    {
        while (true)
        {
            var n = Result(Libc.PWriteV2(fd, vectors, count, offset, flags));
            if (n != -Errno.EINTR) return n;
        }
    }

    public static int Sync(int fd, bool dataOnly) => Result(dataOnly ? Libc.FDataSync(fd) : Libc.FSync(fd));

    public static int Allocate(int fd, int mode, long offset, long length) => Result(Libc.FAllocate(fd, mode, offset, length));

    /// <summary>The file's size (lseek SEEK_END), which works for block devices too.</summary>
    public static long Length(int fd) => Seek(fd, 0, 2);

    /// <summary>lseek SEEK_HOLE: the first hole at or after the offset (the end of the file counts as one).</summary>
    public static long NextHole(int fd, long offset) => Seek(fd, offset, SeekHole);

    /// <summary>lseek SEEK_DATA: the first data at or after the offset; -1 when only a hole remains.</summary>
    public static long NextData(int fd, long offset)
    {
        var at = Libc.LSeek(fd, offset, SeekData);
        if (at >= 0) return at;
        var errno = Marshal.GetLastPInvokeError();
        return errno == 6 /* ENXIO */ ? -1 : throw new LinuxException("lseek SEEK_DATA", errno);
    }

    private static long Seek(int fd, long offset, int whence)
    {
        var at = Libc.LSeek(fd, offset, whence);
        return at >= 0 ? at : throw LinuxException.FromLastError("lseek");
    }

    private static int Result(nint value) => value >= 0 ? (int)value : -Marshal.GetLastPInvokeError();

    private static int Result(int value) => value >= 0 ? value : -Marshal.GetLastPInvokeError();
}
