using System.Runtime.InteropServices;
using CloudBox.Linux.Interop;

namespace CloudBox.Linux.Threads;

/// <summary>
/// Interrupts a thread blocked in a system call (a vCPU in KVM_RUN) with a real-time signal whose handler does
/// nothing, so the call returns EINTR. The handler is a harmless libc function: no managed code runs in signal context.
/// </summary>
public static unsafe class ThreadKicker
{
    /// <summary>SIGRTMIN+6; the .NET runtime uses SIGRTMIN itself.</summary>
    public const int KickSignal = 40;

    private static int s_installed;

    /// <summary>Installs the no-op handler once per process (without SA_RESTART, so blocking calls are interrupted).</summary>
    public static void Install()
    {
        if (Interlocked.Exchange(ref s_installed, 1) == 1) return;
        var libc = NativeLibrary.Load("libc.so.6");
        var noop = NativeLibrary.GetExport(libc, "sched_yield");
        var action = new Libc.SigActionStruct { Handler = noop, Flags = 0 };
        if (Libc.SigAction(KickSignal, &action, null) != 0) throw LinuxException.FromLastError("sigaction");
    }

    /// <summary>The calling thread's pthread id, to kick it later.</summary>
    public static nuint CurrentThread() => Libc.PthreadSelf();

    public static void Kick(nuint thread) => Libc.PthreadKill(thread, KickSignal);
}
