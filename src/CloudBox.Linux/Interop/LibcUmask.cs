using System.Runtime.InteropServices;

namespace CloudBox.Linux.Interop;

internal static partial class Libc
{
    /// <summary>umask(2): sets the process's file mode creation mask and returns the previous one; it cannot fail.</summary>
    [LibraryImport(Name, EntryPoint = "umask")]
    internal static partial uint Umask(uint mask);
}
