using System.Runtime.InteropServices;
using CloudBox.Linux.Interop;

namespace CloudBox.Linux;

/// <summary>
/// getrandom(2): the kernel's random bytes, with no file to open and no library to load. The confined VMM uses it
/// where .NET's RandomNumberGenerator would load OpenSSL lazily, which a jail without libssl (and a thread whose
/// filter refuses open) cannot do.
/// </summary>
public static unsafe class KernelRandom
{
    /// <summary>Fills <paramref name="buffer"/>; a large request may come back in parts, and a signal may interrupt one.</summary>
    public static void Fill(Span<byte> buffer)
    {
        fixed (byte* start = buffer)
        {
            var done = 0;
            while (done < buffer.Length)
            {
                var got = Libc.GetRandom(start + done, (nuint)(buffer.Length - done), 0);
                if (got < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Errno.EINTR) continue;
                    throw new LinuxException("getrandom", errno);
                }
                done += (int)got;
            }
        }
    }
}
