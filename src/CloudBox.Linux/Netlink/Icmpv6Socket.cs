using System.Net;
using System.Runtime.InteropServices;
using System.Text;

using CloudBox.Linux.Interop;

namespace CloudBox.Linux.Netlink;

/// <summary>
/// A raw ICMPv6 socket on one interface (in any network namespace), for neighbour-discovery
/// messages a router sends itself: hop limit 255 as RFC 4861 requires, the kernel computing the
/// checksum, and only the ICMPv6 types asked for delivered. CloudBox's router advertisements use it.
/// </summary>
public sealed unsafe class Icmpv6Socket : IDisposable
{
    private const int AfInet6 = 10, SockRaw = 3, SockCloexec = 0x80000, IpProtoIpv6 = 41, IpProtoIcmpv6 = 58;
    private const int SolSocket = 1, SoBindToDevice = 25;
    private const int Ipv6UnicastHops = 16, Ipv6MulticastIf = 17, Ipv6MulticastHops = 18, Ipv6MulticastLoop = 19, Ipv6AddMembership = 20;
    private const int Icmp6Filter = 1;
    private const short PollIn = 1;
    private const int EAddrInUse = 98;

    private readonly FileDescriptor _fd;

    private Icmpv6Socket(FileDescriptor fd, int ifindex)
    {
        _fd = fd;
        InterfaceIndex = ifindex;
    }

    public int InterfaceIndex { get; }

    /// <summary>
    /// Opens a socket bound to <paramref name="interfaceName"/> in the namespace at
    /// <paramref name="namespacePath"/>, receiving only <paramref name="receiveTypes"/> and member of
    /// <paramref name="joinGroups"/> (e.g. ff02::2, where router solicitations go).
    /// </summary>
    public static Icmpv6Socket Open(string interfaceName, string? namespacePath, ReadOnlySpan<byte> receiveTypes, IReadOnlyList<IPAddress> joinGroups)
    {
        var types = receiveTypes.ToArray();
        return NetworkNamespace.Run(namespacePath, () =>
        {
            var ifindex = (int)NetlinkInterop.IfNameToIndex(interfaceName);
            if (ifindex == 0)
                throw new LinuxException($"no interface {interfaceName}", NetlinkErrno.ENODEV);
            var fd = FileDescriptor.Check(NetlinkInterop.Socket(AfInet6, SockRaw | SockCloexec, IpProtoIcmpv6), "socket(AF_INET6, SOCK_RAW, ICMPv6)");
            try
            {
                var name = Encoding.UTF8.GetBytes(interfaceName + "\0");
                fixed (byte* p = name)
                    Check(NetlinkInterop.SetSockOpt(fd.Value, SolSocket, SoBindToDevice, p, name.Length), "SO_BINDTODEVICE " + interfaceName);
                SetInt(fd, IpProtoIpv6, Ipv6MulticastIf, ifindex, "IPV6_MULTICAST_IF");
                SetInt(fd, IpProtoIpv6, Ipv6MulticastHops, 255, "IPV6_MULTICAST_HOPS");
                SetInt(fd, IpProtoIpv6, Ipv6UnicastHops, 255, "IPV6_UNICAST_HOPS");
                SetInt(fd, IpProtoIpv6, Ipv6MulticastLoop, 0, "IPV6_MULTICAST_LOOP");
                // struct icmp6_filter: a set bit blocks that type.
                var filter = stackalloc uint[8];
                for (var i = 0; i < 8; i++)
                    filter[i] = uint.MaxValue;
                foreach (var type in types)
                    filter[type >> 5] &= ~(1u << (type & 31));
                Check(NetlinkInterop.SetSockOpt(fd.Value, IpProtoIcmpv6, Icmp6Filter, filter, 32), "ICMP6_FILTER");
                var request = stackalloc byte[20];
                foreach (var group in joinGroups)
                {
                    group.GetAddressBytes().CopyTo(new Span<byte>(request, 16));
                    *(int*)(request + 16) = ifindex;
                    if (NetlinkInterop.SetSockOpt(fd.Value, IpProtoIpv6, Ipv6AddMembership, request, 20) < 0 && Marshal.GetLastPInvokeError() != EAddrInUse)
                        throw LinuxException.FromLastError($"IPV6_ADD_MEMBERSHIP {group}");
                }
                return new Icmpv6Socket(fd, ifindex);
            }
            catch
            {
                fd.Dispose();
                throw;
            }
        });
    }

    /// <summary>Waits up to <paramref name="timeoutMilliseconds"/> for a message; its length (0 on timeout) and its sender.</summary>
    public int Receive(Span<byte> buffer, out IPAddress? source, int timeoutMilliseconds)
    {
        source = null;
        var poll = new Libc.PollFd { Fd = _fd.Value, Events = PollIn };
        if (Libc.Poll(&poll, 1, timeoutMilliseconds) <= 0)
            return 0;
        var address = new SockAddrIn6();
        var length = sizeof(SockAddrIn6);
        fixed (byte* p = buffer)
        {
            var n = NetlinkInterop.RecvFrom(_fd.Value, p, (nuint)buffer.Length, 0, &address, &length);
            if (n < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                return errno is Errno.EINTR or Errno.EAGAIN ? 0 : throw new LinuxException("recvfrom(ICMPv6)", errno);
            }
            source = new IPAddress(new ReadOnlySpan<byte>(address.Address, 16), address.ScopeId);
            return (int)n;
        }
    }

    /// <summary>Sends an ICMPv6 message (checksum left zero: the kernel fills it in) to <paramref name="destination"/> out of this interface.</summary>
    public void Send(ReadOnlySpan<byte> message, IPAddress destination)
    {
        var address = new SockAddrIn6 { Family = AfInet6, ScopeId = (uint)InterfaceIndex };
        destination.GetAddressBytes().CopyTo(new Span<byte>(address.Address, 16));
        fixed (byte* p = message)
        {
            if (NetlinkInterop.SendTo(_fd.Value, p, (nuint)message.Length, 0, &address, sizeof(SockAddrIn6)) < 0)
                throw LinuxException.FromLastError($"sendto(ICMPv6) {destination}");
        }
    }

    public void Dispose() => _fd.Dispose();

    private static void SetInt(FileDescriptor fd, int level, int option, int value, string what) =>
        Check(NetlinkInterop.SetSockOpt(fd.Value, level, option, &value, sizeof(int)), what);

    private static void Check(int result, string what)
    {
        if (result < 0)
            throw LinuxException.FromLastError("setsockopt " + what);
    }

    /// <summary>struct sockaddr_in6.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct SockAddrIn6
    {
        public ushort Family;
        public ushort Port;
        public uint FlowInfo;
        public fixed byte Address[16];
        public uint ScopeId;
    }
}
