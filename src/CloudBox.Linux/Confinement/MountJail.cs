using System.Runtime.InteropServices;
using System.Text;

namespace CloudBox.Linux.Confinement;

/// <summary>
/// A private mount (and IPC) namespace whose root holds only what the process still needs to read: the runtime's
/// files, read-only. Mount namespaces are per thread and a .NET process has threads before its first line runs, so
/// the namespace is entered on the main thread and the process then re-executes itself (same pid): the new image's
/// threads are all born inside it, and a later pivot_root moves every one of them.
/// </summary>
public static partial class MountJail
{
    private const int CloneNewNs = 0x0002_0000, CloneNewIpc = 0x0800_0000;
    private const ulong MsRdonly = 1, MsNosuid = 2, MsNodev = 4, MsNoexec = 8, MsRemount = 32, MsBind = 4096, MsRec = 16384, MsPrivate = 1 << 18;
    private const int MntDetach = 2;

    /// <summary>Set in the environment of the re-executed process: it is inside its own namespaces.</summary>
    public const string MarkerVariable = "CLOUDBOX_VMM_NAMESPACES";

    public static bool Entered => Environment.GetEnvironmentVariable(MarkerVariable) == "1";

    /// <summary>
    /// Unshares the mount and IPC namespaces on this (the main) thread and re-executes the same command line in them;
    /// returns only on failure. Call before anything else is set up: nothing of this image survives.
    /// </summary>
    public static void EnterAndReexecute()
    {
        if (Unshare(CloneNewNs | CloneNewIpc) < 0) throw LinuxException.FromLastError("unshare(CLONE_NEWNS|CLONE_NEWIPC)");
        // Nothing mounted from here on propagates back to the host.
        if (Mount(null, "/", null, MsRec | MsPrivate, 0) < 0) throw LinuxException.FromLastError("mount --make-rprivate /");
        var argv = File.ReadAllText("/proc/self/cmdline").TrimEnd('\0').Split('\0');
        var environment = new List<string>();
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
            if ((string)entry.Key != MarkerVariable) environment.Add($"{entry.Key}={entry.Value}");
        environment.Add($"{MarkerVariable}=1");
        // The binary by its own name (not /proc/self/exe), so the process keeps its name in ps and top.
        var binary = Environment.ProcessPath ?? "/proc/self/exe";
        Execve(binary, [.. argv, null], [.. environment, null]);
        throw LinuxException.FromLastError($"execve({binary})");
    }

    /// <summary>
    /// Makes <paramref name="root"/> (a fresh tmpfs) the root of this mount namespace, holding <paramref name="readOnlyPaths"/>
    /// (directories or files) bind-mounted read-only at their own paths; the old root is detached, so nothing else of
    /// the host's file systems is reachable by path. Call with no file open by path afterwards that is not listed.
    /// </summary>
    public static void PivotInto(string root, IEnumerable<string> readOnlyPaths)
    {
        Directory.CreateDirectory(root);
        Check(Mount("cloudbox-jail", root, "tmpfs", MsNosuid | MsNodev, 0), $"mount tmpfs {root}");
        foreach (var source in readOnlyPaths.Distinct(StringComparer.Ordinal))
        {
            var target = root + source;
            if (Directory.Exists(source)) Directory.CreateDirectory(target);
            else if (File.Exists(source))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.WriteAllBytes(target, []);
            }
            else continue;
            Check(Mount(source, target, null, MsBind | MsRec, 0), $"mount --bind {source}");
            Check(Mount(null, target, null, MsRemount | MsBind | MsRdonly | MsNosuid | MsNodev, 0), $"remount read-only {target}");
        }
        var old = Path.Combine(root, ".old-root");
        Directory.CreateDirectory(old);
        Check((int)Interop.Libc.Syscall(155 /* pivot_root */, Utf8(root), Utf8(old), 0, 0, 0, 0), $"pivot_root {root}");
        Check(Chdir("/"), "chdir /");
        Check(Umount2("/.old-root", MntDetach), "umount the old root");
        Directory.Delete("/.old-root");
        // The root itself read-only too: the process writes only through descriptors it already holds.
        Check(Mount(null, "/", null, MsRemount | MsRdonly | MsNosuid | MsNodev | MsNoexec, 0), "remount / read-only");
    }

    private static nint Utf8(string text) => Marshal.StringToCoTaskMemUTF8(text); // lives until exit: two short strings, once

    private static void Check(int result, string what)
    {
        if (result < 0) throw LinuxException.FromLastError(what);
    }

    [LibraryImport("libc", EntryPoint = "unshare", SetLastError = true)]
    private static partial int Unshare(int flags);

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Mount(string? source, string target, string? type, ulong flags, nint data);

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Umount2(string target, int flags);

    [LibraryImport("libc", EntryPoint = "chdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Chdir(string path);

    [LibraryImport("libc", EntryPoint = "execve", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Execve(string path, string?[] argv, string?[] environment);
}
