using System.Runtime.InteropServices;

using CloudBox.Linux.Interop;

namespace CloudBox.Linux.Netlink;

/// <summary>
/// An AF_PACKET socket carrying IPv4 (or IPv6) packets (no Ethernet header) on one interface, with
/// the peer's MAC on every packet. CloudBox's DHCP servers use it to talk to clients that have no
/// address yet, on bridges where the host deliberately has none either (nor an IPv6 stack).
/// </summary>
public sealed unsafe class PacketSocket : IDisposable
{
    private const int AfPacket = 17;
    private const int SockDgram = 2;
    private const int SockCloexec = 0x80000;
    public const ushort EthPIp = 0x0800, EthPIpv6 = 0x86dd;
    private const short PollIn = 1;

    private readonly FileDescriptor _fd;
    private readonly int _ifindex;
    private readonly ushort _protocol; // network byte order

    private PacketSocket(FileDescriptor fd, int ifindex, ushort protocol)
    {
        _fd = fd;
        _ifindex = ifindex;
        _protocol = protocol;
    }

    /// <summary>
    /// Opens a socket on <paramref name="interfaceName"/> in the namespace at <paramref name="namespacePath"/> (the caller's when null)
    /// for packets of <paramref name="etherType"/> (<see cref="EthPIp"/> or <see cref="EthPIpv6"/>).
    /// </summary>
    public static PacketSocket Open(string interfaceName, string? namespacePath, ushort etherType = EthPIp) => NetworkNamespace.Run(namespacePath, () =>
    {
        var ifindex = (int)NetlinkInterop.IfNameToIndex(interfaceName);
        if (ifindex == 0)
            throw new LinuxException($"no interface {interfaceName}", NetlinkErrno.ENODEV);
        var protocol = (ushort)((etherType >> 8) | (etherType << 8));
        var fd = FileDescriptor.Check(NetlinkInterop.Socket(AfPacket, SockDgram | SockCloexec, protocol), "socket(AF_PACKET)");
        var address = new SockAddrLinkLayer { Family = AfPacket, Protocol = protocol, IfIndex = ifindex };
        if (NetlinkInterop.Bind(fd.Value, &address, sizeof(SockAddrLinkLayer)) < 0)
        {
            fd.Dispose();
            throw LinuxException.FromLastError($"bind(AF_PACKET) {interfaceName}");
        }
        return new PacketSocket(fd, ifindex, protocol);
    });

    /// <summary>Waits up to <paramref name="timeoutMilliseconds"/> for a packet; returns its length (0 on timeout) and the sender's MAC.</summary>
    public int Receive(Span<byte> buffer, Span<byte> sourceMac, int timeoutMilliseconds)
    {
        var poll = new Libc.PollFd { Fd = _fd.Value, Events = PollIn };
        var ready = Libc.Poll(&poll, 1, timeoutMilliseconds);
        if (ready <= 0)
            return 0;
        var address = new SockAddrLinkLayer();
        var length = sizeof(SockAddrLinkLayer);
        fixed (byte* p = buffer)
        {
            var n = NetlinkInterop.RecvFrom(_fd.Value, p, (nuint)buffer.Length, 0, &address, &length);
            if (n < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                return errno is Errno.EINTR or Errno.EAGAIN ? 0 : throw new LinuxException("recvfrom(AF_PACKET)", errno);
            }
            new ReadOnlySpan<byte>(address.Address, 6).CopyTo(sourceMac);
            return (int)n;
        }
    }

    /// <summary>Sends a packet (of the socket's protocol) to <paramref name="destinationMac"/>.</summary>
    public void Send(ReadOnlySpan<byte> packet, ReadOnlySpan<byte> destinationMac)
    {
        var address = new SockAddrLinkLayer { Family = AfPacket, Protocol = _protocol, IfIndex = _ifindex, AddressLength = 6 };
        destinationMac.CopyTo(new Span<byte>(address.Address, 8));
        fixed (byte* p = packet)
        {
            if (NetlinkInterop.SendTo(_fd.Value, p, (nuint)packet.Length, 0, &address, sizeof(SockAddrLinkLayer)) < 0)
                throw LinuxException.FromLastError("sendto(AF_PACKET)");
        }
    }

    public void Dispose() => _fd.Dispose();

    /// <summary>struct sockaddr_ll.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct SockAddrLinkLayer
    {
        public ushort Family;
        public ushort Protocol;
        public int IfIndex;
        public ushort HardwareType;
        public byte PacketType;
        public byte AddressLength;
        public fixed byte Address[8];
    }
}
