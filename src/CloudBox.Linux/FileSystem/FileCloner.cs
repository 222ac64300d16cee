using System.ComponentModel;
using System.Runtime.InteropServices;

namespace CloudBox.Linux.FileSystem;

/// <summary>
/// Copies a disk file cheaply: a reflink (FICLONE) where the file system shares blocks
/// (XFS, Btrfs), otherwise an in-kernel copy of the data extents only (SEEK_DATA/SEEK_HOLE
/// with copy_file_range), so a sparse file stays sparse and no byte passes through user space.
/// </summary>
public static partial class FileCloner
{
    private const uint Ficlone = 0x40049409; // _IOW(0x94, 9, int)
    private const int SeekData = 3;
    private const int SeekHole = 4;
    private const int EnxIo = 6;
    private const int OpenReadOnly = 0;
    private const int OpenWriteCreateExclusive = 0x1 | 0x40 | 0x80; // O_WRONLY | O_CREAT | O_EXCL
    private const int CloseOnExec = 0x80000;
    private const int OwnerReadWrite = 0x180; // 0600

    /// <summary>Clones <paramref name="source"/> to the new file <paramref name="destination"/>; true when blocks are shared (reflink).</summary>
    public static bool Clone(string source, string destination)
    {
        var from = Check(Open(source, OpenReadOnly | CloseOnExec, 0), "open", source);
        try
        {
            var to = Check(Open(destination, OpenWriteCreateExclusive | CloseOnExec, OwnerReadWrite), "open", destination);
            try
            {
                if (Ioctl(to, Ficlone, from) == 0)
                    return true;
                CopyExtents(from, to, source);
                if (Fsync(to) != 0)
                    throw Error("fsync", destination);
                return false;
            }
            finally
            {
                _ = Close(to);
            }
        }
        finally
        {
            _ = Close(from);
        }
    }

    private static void CopyExtents(int from, int to, string source)
    {
        var length = Lseek(from, 0, 2); // SEEK_END
        if (length < 0)
            throw Error("lseek", source);
        if (Ftruncate(to, length) != 0)
            throw Error("ftruncate", source);
        long offset = 0;
        while (offset < length)
        {
            var dataStart = Lseek(from, offset, SeekData);
            if (dataStart < 0)
            {
                if (Marshal.GetLastPInvokeError() == EnxIo)
                    break; // only a hole remains
                throw Error("lseek(SEEK_DATA)", source);
            }
            var dataEnd = Lseek(from, dataStart, SeekHole);
            if (dataEnd < 0)
                throw Error("lseek(SEEK_HOLE)", source);
            var inOffset = dataStart;
            var outOffset = dataStart;
            while (inOffset < dataEnd)
            {
                var copied = CopyFileRange(from, ref inOffset, to, ref outOffset, (nuint)(dataEnd - inOffset), 0);
                if (copied < 0)
                    throw Error("copy_file_range", source);
                if (copied == 0)
                    break;
            }
            offset = dataEnd;
        }
    }

    private static int Check(int result, string call, string path) => result >= 0 ? result : throw Error(call, path);

    private static Win32Exception Error(string call, string path) =>
        new(Marshal.GetLastPInvokeError(), $"{call}({path}) failed");

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, uint request, int argument);

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long Lseek(int fd, long offset, int whence);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    private static partial int Ftruncate(int fd, long length);

    [LibraryImport("libc", EntryPoint = "copy_file_range", SetLastError = true)]
    private static partial nint CopyFileRange(int fdIn, ref long offIn, int fdOut, ref long offOut, nuint length, uint flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
