using CloudBox.Linux.Interop;

namespace CloudBox.Linux.Memory;

/// <summary>An anonymous memory file (memfd_create), the backing store of guest RAM.</summary>
public static class MemFd
{
    private const uint CloseOnExec = 0x1;
    private const uint HugeTlb = 0x4;

    public static FileDescriptor Create(string name, long size, bool hugePages = false)
    {
        var fd = FileDescriptor.Check(Libc.MemfdCreate(name, CloseOnExec | (hugePages ? HugeTlb : 0)), "memfd_create");
        if (Libc.FTruncate(fd.Value, size) != 0)
        {
            var error = LinuxException.FromLastError("ftruncate memfd");
            fd.Dispose();
            throw error;
        }
        return fd;
    }
}
