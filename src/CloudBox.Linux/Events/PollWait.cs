using CloudBox.Linux.Interop;

namespace CloudBox.Linux.Events;

/// <summary>poll(2) on a single descriptor, for simple reader threads (console input).</summary>
public static unsafe class PollWait
{
    /// <summary>Waits until fd is readable (or hung up); false on timeout.</summary>
    public static bool Readable(int fd, int timeoutMilliseconds)
    {
        var p = new Libc.PollFd { Fd = fd, Events = 1 };
        var n = Libc.Poll(&p, 1, timeoutMilliseconds);
        if (n < 0)
        {
            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno == Errno.EINTR) return false;
            throw new LinuxException("poll", errno);
        }
        return n > 0;
    }
}
