using CloudBox.Linux.Interop;

namespace CloudBox.Linux.Confinement;

/// <summary>PR_SET_NO_NEW_PRIVS: no execve of this thread (and of threads it creates) can gain privileges again.</summary>
public static class NoNewPrivileges
{
    private const int PrSetNoNewPrivs = 38;

    public static void Set()
    {
        if (Libc.Syscall(Syscall.Prctl, PrSetNoNewPrivs, 1, 0, 0, 0, 0) < 0) throw LinuxException.FromLastError("prctl(PR_SET_NO_NEW_PRIVS)");
    }
}
