using CloudBox.Linux.Interop;

namespace CloudBox.Linux.Confinement;

/// <summary>Duplicating descriptors a confined process holds on to (it cannot open their files again).</summary>
public static class FileDescriptors
{
    private const int FDupfdCloexec = 1030;

    /// <summary>A new descriptor (close-on-exec) for the same open file as <paramref name="fd"/>.</summary>
    public static FileDescriptor Duplicate(int fd)
    {
        var copy = (int)Libc.Syscall(Syscall.Fcntl, fd, FDupfdCloexec, 3, 0, 0, 0);
        return FileDescriptor.Check(copy, "fcntl(F_DUPFD_CLOEXEC)");
    }
}
