using System.Runtime.InteropServices;
using CloudBox.Linux.Interop;

namespace CloudBox.Linux.Confinement;

/// <summary>Becoming an unprivileged user for good: no supplementary groups, no capabilities, no way back.</summary>
public static partial class Credentials
{
    private const int PrCapbsetDrop = 24;
    private const int LastCapability = 63; // more than the kernel has: PR_CAPBSET_DROP answers EINVAL past its last
    private const uint CapabilityVersion3 = 0x2008_0522;

    public static bool IsRoot => GetEuid() == 0;

    /// <summary>
    /// Drops the bounding set (on this thread; with no_new_privs and no execve it only matters to a later exec),
    /// the supplementary groups, then becomes <paramref name="uid"/>:<paramref name="gid"/> for real, effective and saved
    /// ids. glibc applies set*id to every thread of the process, and the kernel clears a thread's permitted and effective
    /// capabilities when its ids all leave 0, so afterwards no thread has a capability; the inheritable set is cleared
    /// here first, so nothing survives into the ambient or a later exec either.
    /// </summary>
    public static unsafe void DropTo(uint uid, uint gid)
    {
        if (uid == 0 || gid == 0) throw new ArgumentException("the jail's uid and gid must not be 0");
        for (var cap = 0; cap <= LastCapability; cap++)
            if (Libc.Syscall(Syscall.Prctl, PrCapbsetDrop, cap, 0, 0, 0, 0) < 0 && Marshal.GetLastPInvokeError() != 22) // EINVAL: no such capability
                throw LinuxException.FromLastError($"prctl(PR_CAPBSET_DROP, {cap})");
        if (SetGroups(0, null) < 0) throw LinuxException.FromLastError("setgroups(0)");
        if (SetResGid(gid, gid, gid) < 0) throw LinuxException.FromLastError($"setresgid({gid})");
        if (SetResUid(uid, uid, uid) < 0) throw LinuxException.FromLastError($"setresuid({uid})");
        var header = new CapHeader { Version = CapabilityVersion3, Pid = 0 };
        var data = stackalloc CapData[2];
        data[0] = default;
        data[1] = default;
        if (Libc.Syscall(Syscall.Capset, (nint)(&header), (nint)data, 0, 0, 0, 0) < 0) throw LinuxException.FromLastError("capset(0)");
        // A set*id that quietly failed on some thread would leave root behind: check that none can come back.
        if (SetResUid(0, 0, 0) == 0) throw new InvalidOperationException("still able to become root after dropping privileges");
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();

    [LibraryImport("libc", EntryPoint = "setgroups", SetLastError = true)]
    private static unsafe partial int SetGroups(nuint size, uint* list);

    [LibraryImport("libc", EntryPoint = "setresuid", SetLastError = true)]
    private static partial int SetResUid(uint ruid, uint euid, uint suid);

    [LibraryImport("libc", EntryPoint = "setresgid", SetLastError = true)]
    private static partial int SetResGid(uint rgid, uint egid, uint sgid);

    [StructLayout(LayoutKind.Sequential)]
    private struct CapHeader
    {
        public uint Version;
        public int Pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CapData
    {
        public uint Effective;
        public uint Permitted;
        public uint Inheritable;
    }
}
