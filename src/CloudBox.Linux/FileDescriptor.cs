using CloudBox.Linux.Interop;
using Microsoft.Win32.SafeHandles;

namespace CloudBox.Linux;

/// <summary>An owned Linux file descriptor, closed exactly once.</summary>
public sealed class FileDescriptor : SafeHandleMinusOneIsInvalid
{
    public FileDescriptor(int fd) : base(ownsHandle: true) => SetHandle(fd);

    /// <summary>The raw number, for hot paths that must not pay for reference counting; valid while this object lives.</summary>
    public int Value => (int)handle;

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;

    internal static FileDescriptor Check(int fd, string operation) =>
        fd < 0 ? throw LinuxException.FromLastError(operation) : new FileDescriptor(fd);
}
