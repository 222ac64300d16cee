using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace CloudBox.Linux.Confinement;

/// <summary>
/// Passing open file descriptors over a unix socket (SCM_RIGHTS): how a confined process that may no longer open a file
/// or a tap by name still gets one, opened for it by a privileged peer.
/// </summary>
public static unsafe partial class DescriptorPassing
{
    private const int SolSocket = 1, ScmRights = 1;
    private const int MaxDescriptors = 4;

    /// <summary>Sends one byte (<paramref name="marker"/>) carrying <paramref name="descriptors"/>.</summary>
    public static void Send(Socket socket, byte marker, params ReadOnlySpan<int> descriptors)
    {
        if (descriptors.Length is < 1 or > MaxDescriptors) throw new ArgumentOutOfRangeException(nameof(descriptors));
        var control = stackalloc byte[ControlSpace(MaxDescriptors)];
        new Span<byte>(control, ControlSpace(MaxDescriptors)).Clear();
        var header = (CmsgHeader*)control;
        header->Length = (nuint)(sizeof(CmsgHeader) + descriptors.Length * sizeof(int));
        header->Level = SolSocket;
        header->Type = ScmRights;
        descriptors.CopyTo(new Span<int>(control + sizeof(CmsgHeader), descriptors.Length));
        var data = marker;
        var vector = new IoVec { Base = &data, Length = 1 };
        var message = new MsgHdr { Iov = &vector, IovLength = 1, Control = control, ControlLength = (nuint)ControlSpace(descriptors.Length) };
        if (SendMsg((int)socket.Handle, &message, 0) != 1) throw LinuxException.FromLastError("sendmsg(SCM_RIGHTS)");
    }

    /// <summary>Receives the one byte sent by <see cref="Send"/> and the descriptors it carried (owned by the caller).</summary>
    public static (byte Marker, FileDescriptor[] Descriptors) Receive(Socket socket)
    {
        var control = stackalloc byte[ControlSpace(MaxDescriptors)];
        byte data = 0;
        var vector = new IoVec { Base = &data, Length = 1 };
        var message = new MsgHdr { Iov = &vector, IovLength = 1, Control = control, ControlLength = (nuint)ControlSpace(MaxDescriptors) };
        const int MsgCmsgCloexec = 0x4000_0000;
        var n = RecvMsg((int)socket.Handle, &message, MsgCmsgCloexec);
        if (n < 0) throw LinuxException.FromLastError("recvmsg(SCM_RIGHTS)");
        if (n == 0) throw new IOException("the peer closed the socket before sending its descriptors");
        var received = new List<FileDescriptor>();
        if (message.ControlLength >= (nuint)sizeof(CmsgHeader))
        {
            var header = (CmsgHeader*)control;
            if (header->Level == SolSocket && header->Type == ScmRights)
            {
                var count = ((int)header->Length - sizeof(CmsgHeader)) / sizeof(int);
                for (var i = 0; i < count; i++) received.Add(new FileDescriptor(((int*)(control + sizeof(CmsgHeader)))[i]));
            }
        }
        return (data, [.. received]);
    }

    private static int ControlSpace(int descriptors) => sizeof(CmsgHeader) + ((descriptors * sizeof(int) + 7) & ~7);

    [StructLayout(LayoutKind.Sequential)]
    private struct CmsgHeader
    {
        public nuint Length;
        public int Level;
        public int Type;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    private static partial nint SendMsg(int socket, MsgHdr* message, int flags);

    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    private static partial nint RecvMsg(int socket, MsgHdr* message, int flags);
}
