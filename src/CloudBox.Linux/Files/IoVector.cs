using System.Runtime.InteropServices;

namespace CloudBox.Linux.Files;

/// <summary>struct iovec: one buffer of a vectored read or write (preadv, io_uring READV/WRITEV).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct IoVector
{
    public byte* Base;
    public nuint Length;

    public IoVector(byte* buffer, nuint length)
    {
        Base = buffer;
        Length = length;
    }
}
