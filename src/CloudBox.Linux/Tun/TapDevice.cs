using System.Runtime.InteropServices;
using System.Text;
using CloudBox.Linux.Files;
using CloudBox.Linux.Interop;

namespace CloudBox.Linux.Tun;

/// <summary>A tap interface opened through /dev/net/tun, with a virtio-net header in front of every frame.</summary>
public sealed unsafe class TapDevice : IDisposable
{
    private const ulong TunSetIff = 0x400454CA;
    private const ulong TunSetVnetHdrSz = 0x400454D8;
    private const ulong TunSetOffload = 0x400454D0;
    private const short IffTap = 0x0002;
    private const short IffNoPi = 0x1000;
    private const short IffVnetHdr = 0x4000;

    private TapDevice(FileDescriptor fd, string name)
    {
        Handle = fd;
        Fd = fd.Value;
        Name = name;
    }

    public FileDescriptor Handle { get; }

    public int Fd { get; }

    public string Name { get; }

    /// <summary>Attaches to (or creates) tap <paramref name="name"/>, non-blocking, each frame preceded by a <paramref name="vnetHeaderSize"/>-byte virtio-net header.</summary>
    public static TapDevice Open(string name, int vnetHeaderSize)
    {
        if (Encoding.UTF8.GetByteCount(name) >= 16) throw new ArgumentException($"tap name too long: {name}");
        var fd = LinuxFile.Open("/dev/net/tun", OpenFlags.ReadWrite | OpenFlags.NonBlocking);
        try
        {
            var ifreq = stackalloc byte[40];
            new Span<byte>(ifreq, 40).Clear();
            Encoding.UTF8.GetBytes(name, new Span<byte>(ifreq, 15));
            *(short*)(ifreq + 16) = IffTap | IffNoPi | IffVnetHdr;
            if (Libc.Ioctl(fd.Value, TunSetIff, ifreq) < 0) throw LinuxException.FromLastError($"TUNSETIFF {name}");
            var size = vnetHeaderSize;
            if (Libc.Ioctl(fd.Value, TunSetVnetHdrSz, &size) < 0) throw LinuxException.FromLastError("TUNSETVNETHDRSZ");
            // No offloads: the guest sees plain frames, so the header's flags stay zero.
            if (Libc.Ioctl(fd.Value, TunSetOffload, 0UL) < 0) throw LinuxException.FromLastError("TUNSETOFFLOAD");
            var actual = Marshal.PtrToStringUTF8((nint)ifreq) ?? name;
            return new TapDevice(fd, actual);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>A tap already attached (by <see cref="Open"/>, here or in the process that passed the descriptor).</summary>
    public static TapDevice FromDescriptor(FileDescriptor fd, string name) => new(fd, name);

    /// <summary>Reads one frame (header included); -1 when none is waiting.</summary>
    public int Read(Span<byte> buffer) => LinuxFile.Read(Fd, buffer);

    /// <summary>Writes one frame (header included); -1 if the queue is full.</summary>
    public int Write(ReadOnlySpan<byte> frame) => LinuxFile.Write(Fd, frame);

    public void Dispose() => Handle.Dispose();
}
