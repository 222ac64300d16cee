using System.ComponentModel;
using System.Runtime.InteropServices;

namespace CloudBox.Linux.FileSystem;

/// <summary>
/// fsync(2) of a directory: a rename (or create, or unlink) survives power loss only once its
/// directory is synced, and .NET cannot open a directory handle to do it.
/// </summary>
public static partial class DirectorySync
{
    private const int ReadOnly = 0;
    private const int Directory = 0x10000; // O_DIRECTORY
    private const int CloseOnExec = 0x80000; // O_CLOEXEC

    public static void Sync(string path)
    {
        var fd = Open(path, ReadOnly | Directory | CloseOnExec);
        if (fd < 0)
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"open({path}) failed");
        try
        {
            if (Fsync(fd) != 0)
                throw new Win32Exception(Marshal.GetLastPInvokeError(), $"fsync({path}) failed");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
