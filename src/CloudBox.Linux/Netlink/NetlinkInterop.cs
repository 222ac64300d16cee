using System.Runtime.InteropServices;

namespace CloudBox.Linux.Netlink;

/// <summary>The libc calls netlink, the packet and ICMPv6 sockets and network namespaces need: sockets, setns/unshare, and the bind mount that names a namespace.</summary>
internal static unsafe partial class NetlinkInterop
{
    private const string Libc = "libc";

    public const int AfNetlink = 16;
    public const int SockRaw = 3;
    public const int SockCloexec = 0x80000;
    public const int SolNetlink = 270;
    public const int NetlinkExtAck = 11;
    public const int SolSocket = 1;
    public const int SoRcvBuf = 8;
    public const int SoRcvBufForce = 33;
    public const int SoRcvTimeo = 20;
    public const int SoSndBuf = 7;
    public const int SoSndBufForce = 32;
    public const int CloneNewNet = 0x40000000;
    public const int MsBind = 4096;
    public const int MntDetach = 2;

    [LibraryImport(Libc, EntryPoint = "socket", SetLastError = true)]
    internal static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(Libc, EntryPoint = "bind", SetLastError = true)]
    internal static partial int Bind(int fd, void* address, int length);

    [LibraryImport(Libc, EntryPoint = "send", SetLastError = true)]
    internal static partial nint Send(int fd, void* buffer, nuint length, int flags);

    [LibraryImport(Libc, EntryPoint = "recv", SetLastError = true)]
    internal static partial nint Recv(int fd, void* buffer, nuint length, int flags);

    [LibraryImport(Libc, EntryPoint = "recvfrom", SetLastError = true)]
    internal static partial nint RecvFrom(int fd, void* buffer, nuint length, int flags, void* address, int* addressLength);

    [LibraryImport(Libc, EntryPoint = "sendto", SetLastError = true)]
    internal static partial nint SendTo(int fd, void* buffer, nuint length, int flags, void* address, int addressLength);

    [LibraryImport(Libc, EntryPoint = "setsockopt", SetLastError = true)]
    internal static partial int SetSockOpt(int fd, int level, int name, void* value, int length);

    [LibraryImport(Libc, EntryPoint = "setns", SetLastError = true)]
    internal static partial int SetNs(int fd, int type);

    [LibraryImport(Libc, EntryPoint = "unshare", SetLastError = true)]
    internal static partial int Unshare(int flags);

    [LibraryImport(Libc, EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Mount(string source, string target, string? type, ulong flags, nint data);

    [LibraryImport(Libc, EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Umount2(string target, int flags);

    [LibraryImport(Libc, EntryPoint = "if_nametoindex", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial uint IfNameToIndex(string name);

    [StructLayout(LayoutKind.Sequential)]
    internal struct TimeVal
    {
        public long Seconds;
        public long Microseconds;
    }

    /// <summary>struct sockaddr_nl.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SockAddrNetlink
    {
        public ushort Family;
        public ushort Pad;
        public uint Pid;
        public uint Groups;
    }
}
