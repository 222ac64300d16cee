using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace CloudBox.Linux.Netlink;

/// <summary>
/// A netlink socket of one protocol (route, netfilter), bound to the network namespace of the
/// thread that opened it. Requests are acknowledged one by one; failures raise
/// <see cref="LinuxException"/> with the kernel's errno.
/// </summary>
public sealed unsafe class NetlinkSocket : IDisposable
{
    public const int Route = 0;
    public const int Netfilter = 12;

    public const ushort FlagRequest = 0x1;
    public const ushort FlagMulti = 0x2;
    public const ushort FlagAck = 0x4;
    public const ushort FlagDump = 0x300;
    public const ushort FlagReplace = 0x100;
    public const ushort FlagExclusive = 0x200;
    public const ushort FlagCreate = 0x400;
    public const ushort FlagAppend = 0x800;

    private const ushort MessageError = 2;
    private const ushort MessageDone = 3;

    private readonly FileDescriptor _fd;
    private readonly byte[] _receive = new byte[1 << 16];
    private uint _sequence = (uint)Environment.TickCount;

    private NetlinkSocket(FileDescriptor fd) => _fd = fd;

    public static NetlinkSocket Open(int protocol)
    {
        var fd = FileDescriptor.Check(NetlinkInterop.Socket(NetlinkInterop.AfNetlink, NetlinkInterop.SockRaw | NetlinkInterop.SockCloexec, protocol),
            "socket(AF_NETLINK)");
        var address = new NetlinkInterop.SockAddrNetlink { Family = NetlinkInterop.AfNetlink };
        if (NetlinkInterop.Bind(fd.Value, &address, sizeof(NetlinkInterop.SockAddrNetlink)) < 0)
        {
            fd.Dispose();
            throw LinuxException.FromLastError("bind(AF_NETLINK)");
        }
        var one = 1;
        NetlinkInterop.SetSockOpt(fd.Value, NetlinkInterop.SolNetlink, NetlinkInterop.NetlinkExtAck, &one, sizeof(int));
        // Large dumps and batches: room for many replies, and never a wait without end.
        var buffer = 32 << 20;
        if (NetlinkInterop.SetSockOpt(fd.Value, NetlinkInterop.SolSocket, NetlinkInterop.SoRcvBufForce, &buffer, sizeof(int)) < 0)
            NetlinkInterop.SetSockOpt(fd.Value, NetlinkInterop.SolSocket, NetlinkInterop.SoRcvBuf, &buffer, sizeof(int));
        // A whole nftables batch goes in one datagram, which may not exceed the send buffer.
        if (NetlinkInterop.SetSockOpt(fd.Value, NetlinkInterop.SolSocket, NetlinkInterop.SoSndBufForce, &buffer, sizeof(int)) < 0)
            NetlinkInterop.SetSockOpt(fd.Value, NetlinkInterop.SolSocket, NetlinkInterop.SoSndBuf, &buffer, sizeof(int));
        var timeout = new NetlinkInterop.TimeVal { Seconds = 10 };
        NetlinkInterop.SetSockOpt(fd.Value, NetlinkInterop.SolSocket, NetlinkInterop.SoRcvTimeo, &timeout, sizeof(NetlinkInterop.TimeVal));
        return new NetlinkSocket(fd);
    }

    /// <summary>Sends one request and waits for its acknowledgement.</summary>
    public void Request(NetlinkMessage message, string operation)
    {
        message.Flags |= FlagRequest | FlagAck;
        var sequence = ++_sequence;
        SendAll(message.Complete(sequence), operation);
        WaitForAcks(sequence, sequence, operation);
    }

    /// <summary>
    /// Sends several messages in one datagram (nftables batches) and waits for every
    /// acknowledgement; the first error is raised.
    /// </summary>
    public void RequestBatch(IReadOnlyList<NetlinkMessage> messages, string operation)
    {
        var first = _sequence + 1;
        using var buffer = new MemoryStream();
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            // Errors come back whether asked for or not; only the last real message asks for an
            // ack, which says the whole batch was applied (thousands of acks would overflow the socket).
            message.Flags |= i == messages.Count - 2 ? (ushort)(FlagRequest | FlagAck) : FlagRequest;
            buffer.Write(message.Complete(++_sequence));
        }
        SendAll(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), operation);
        WaitForAcks(_sequence - 1, _sequence - 1, operation);
    }

    /// <summary>
    /// Sends independent requests in one datagram (rtnetlink handles them in turn and acknowledges
    /// each, going on after a failure); returns each one's errno, 0 for done. One send instead of a
    /// round trip per request.
    /// </summary>
    public int[] RequestEach(IReadOnlyList<NetlinkMessage> messages, string operation)
    {
        var results = new int[messages.Count];
        if (messages.Count == 0)
            return results;
        var first = _sequence + 1;
        using var buffer = new MemoryStream();
        foreach (var message in messages)
        {
            message.Flags |= FlagRequest | FlagAck;
            buffer.Write(message.Complete(++_sequence));
        }
        SendAll(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), operation);
        var pending = messages.Count;
        while (pending > 0)
        {
            var length = Receive(operation);
            var data = _receive.AsSpan(0, length);
            while (data.Length >= NetlinkMessage.HeaderSize)
            {
                var messageLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(data);
                if (messageLength < NetlinkMessage.HeaderSize || messageLength > data.Length)
                    break;
                var sequence = BinaryPrimitives.ReadUInt32LittleEndian(data[8..]);
                if (BinaryPrimitives.ReadUInt16LittleEndian(data[4..]) == MessageError && sequence - first < (uint)messages.Count)
                {
                    results[sequence - first] = -BinaryPrimitives.ReadInt32LittleEndian(data[16..]);
                    pending--;
                }
                data = data[Math.Min(NetlinkMessage.Align(messageLength), data.Length)..];
            }
        }
        return results;
    }

    /// <summary>Sends a request answered by one message (a "get"); returns its payload after the header, or null when the kernel says <paramref name="missing"/>.</summary>
    public byte[]? Get(NetlinkMessage message, string operation, int missing)
    {
        message.Flags |= FlagRequest;
        var sequence = ++_sequence;
        SendAll(message.Complete(sequence), operation);
        while (true)
        {
            var length = Receive(operation);
            var data = _receive.AsSpan(0, length);
            if (data.Length < NetlinkMessage.HeaderSize)
                continue;
            var messageLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(data);
            var type = BinaryPrimitives.ReadUInt16LittleEndian(data[4..]);
            if (BinaryPrimitives.ReadUInt32LittleEndian(data[8..]) != sequence)
                continue; // a late answer to something earlier
            if (type == MessageError)
            {
                var errno = -BinaryPrimitives.ReadInt32LittleEndian(data[16..]);
                if (errno == missing)
                    return null;
                throw new LinuxException(operation, errno);
            }
            return data[NetlinkMessage.HeaderSize..Math.Min(messageLength, data.Length)].ToArray();
        }
    }

    /// <summary>Runs a dump request; returns each reply's payload after the netlink header.</summary>
    public List<byte[]> Dump(NetlinkMessage message, string operation)
    {
        message.Flags |= FlagRequest | FlagDump;
        var sequence = ++_sequence;
        SendAll(message.Complete(sequence), operation);
        var replies = new List<byte[]>();
        while (true)
        {
            var length = Receive(operation);
            var data = _receive.AsSpan(0, length);
            while (data.Length >= NetlinkMessage.HeaderSize)
            {
                var messageLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(data);
                var type = BinaryPrimitives.ReadUInt16LittleEndian(data[4..]);
                if (messageLength < NetlinkMessage.HeaderSize || messageLength > data.Length)
                    break;
                if (type == MessageDone)
                    return replies;
                if (type == MessageError)
                {
                    var errno = -BinaryPrimitives.ReadInt32LittleEndian(data[16..]);
                    if (errno != 0)
                        throw new LinuxException(operation, errno);
                }
                else
                {
                    replies.Add(data[NetlinkMessage.HeaderSize..messageLength].ToArray());
                }
                data = data[Math.Min(NetlinkMessage.Align(messageLength), data.Length)..];
            }
        }
    }

    private void SendAll(ReadOnlySpan<byte> bytes, string operation)
    {
        fixed (byte* p = bytes)
        {
            if (NetlinkInterop.Send(_fd.Value, p, (nuint)bytes.Length, 0) < 0)
                throw LinuxException.FromLastError(operation);
        }
    }

    private int Receive(string operation)
    {
        fixed (byte* p = _receive)
        {
            while (true)
            {
                var n = NetlinkInterop.Recv(_fd.Value, p, (nuint)_receive.Length, 0);
                if (n >= 0)
                    return (int)n;
                var errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR)
                    throw new LinuxException(operation, errno);
            }
        }
    }

    /// <summary>Reads acknowledgements for sequences <paramref name="first"/>..<paramref name="last"/>; an error ends the wait.</summary>
    private void WaitForAcks(uint first, uint last, string operation)
    {
        var pending = new HashSet<uint>();
        for (var s = first; s <= last; s++)
            pending.Add(s);
        LinuxException? failure = null;
        while (pending.Count > 0)
        {
            var length = Receive(operation);
            var data = _receive.AsSpan(0, length);
            while (data.Length >= NetlinkMessage.HeaderSize)
            {
                var messageLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(data);
                var type = BinaryPrimitives.ReadUInt16LittleEndian(data[4..]);
                var sequence = BinaryPrimitives.ReadUInt32LittleEndian(data[8..]);
                if (messageLength < NetlinkMessage.HeaderSize || messageLength > data.Length)
                    break;
                if (type == MessageError)
                {
                    var errno = -BinaryPrimitives.ReadInt32LittleEndian(data[16..]);
                    if (errno != 0)
                    {
                        failure ??= new LinuxException(operation, errno);
                        pending.Clear(); // after an error in a batch the kernel stops acknowledging
                    }
                    pending.Remove(sequence);
                }
                data = data[Math.Min(NetlinkMessage.Align(messageLength), data.Length)..];
            }
        }
        if (failure is not null)
            throw failure;
    }

    public void Dispose() => _fd.Dispose();
}
