using CloudBox.Linux.Interop;

namespace CloudBox.Linux.FileSystem;

/// <summary>The process's file mode creation mask (umask), which every file and directory it creates (and its children inherit) is made with.</summary>
public static class FileModeMask
{
    /// <summary>Sets the mask (e.g. <c>0o077</c>: nothing for group or others) and returns the previous one.</summary>
    public static UnixFileMode Set(UnixFileMode mask) => (UnixFileMode)Libc.Umask((uint)mask);
}
