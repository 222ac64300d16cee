using CloudBox.Linux.Interop;

namespace CloudBox.Linux.Events;

/// <summary>An eventfd counter: KVM signals it for ioeventfd, we signal it for irqfd and thread wakeups.</summary>
public sealed unsafe class EventFd : IDisposable
{
    private const int NonBlocking = 0x800;
    private const int CloseOnExec = 0x80000;

    public EventFd(bool nonBlocking = true)
    {
        Handle = FileDescriptor.Check(Libc.EventFd(0, CloseOnExec | (nonBlocking ? NonBlocking : 0)), "eventfd");
        Fd = Handle.Value;
    }

    public FileDescriptor Handle { get; }

    /// <summary>The raw descriptor, for epoll registrations and KVM structures.</summary>
    public int Fd { get; }

    /// <summary>Adds one to the counter, waking a reader (or injecting an interrupt, for an irqfd).</summary>
    public void Signal()
    {
        ulong one = 1;
        while (Libc.Write(Fd, &one, 8) < 0)
        {
            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno == Errno.EINTR) continue;
            if (errno == Errno.EAGAIN) return; // counter saturated: the reader is already due to wake
            throw new LinuxException("eventfd write", errno);
        }
    }

    /// <summary>Reads and resets the counter; 0 if it was not signalled (non-blocking).</summary>
    public ulong Consume()
    {
        ulong value = 0;
        while (Libc.Read(Fd, &value, 8) < 0)
        {
            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno == Errno.EINTR) continue;
            if (errno == Errno.EAGAIN) return 0;
            throw new LinuxException("eventfd read", errno);
        }
        return value;
    }

    public void Dispose() => Handle.Dispose();
}
