using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using CloudBox.Hypervisor.Configuration;
using CloudBox.Linux;
using CloudBox.Linux.Confinement;

namespace CloudBox.Hypervisor.Confinement;

/// <summary>
/// Confines a <c>cloudbox vmm</c> process the way Firecracker's jailer confines its VMMs, in two steps around setup.
/// Before it: its own mount and IPC namespaces (by re-executing itself inside them) and its cgroup. After it, once
/// /dev/kvm, the disks, the taps, the console and the control socket are open and held: a root of its own holding
/// only the runtime's files, read-only; an unprivileged uid and gid with no capability; no_new_privs; and the seccomp
/// filters (the process's on every thread, then each vCPU and device worker adds its own).
/// </summary>
public static class VmmJail
{
    /// <summary>The user a VMM becomes when none is configured; nobody's ids if the host has no such user.</summary>
    public const string DefaultUser = "cloudbox-vm";
    private const uint Nobody = 65534;
    private const string JailRoot = "/run/cloudbox-vmm-jail";

    /// <summary>Step one, before anything is opened; re-executes the process (same pid) on first entry as root.</summary>
    public static void Enter(VmConfig config)
    {
        if (!Credentials.IsRoot) return;
        if (!MountJail.Entered) MountJail.EnterAndReexecute();
        if (config.Cgroup != null) CgroupLimits.Join(config.Cgroup, config.MemoryMiB, config.Vcpus);
        HeldFiles.Holding = true;
    }

    /// <summary>Step two, after setup and before the guest runs. Returns a line for the log saying what was applied.</summary>
    public static string Confine(VmConfig config)
    {
        var pid = Environment.ProcessId;
        var loaded = LoadReachableAssemblies();
        string summary;
        if (Credentials.IsRoot)
        {
            var (uid, gid) = (config.JailUid ?? DefaultIds().Uid, config.JailGid ?? config.JailUid ?? DefaultIds().Gid);
            MountJail.PivotInto(JailRoot, RuntimeFiles());
            Credentials.DropTo(uid, gid);
            summary = $"uid {uid} gid {gid}, own mount and IPC namespaces, {(config.Cgroup != null ? $"cgroup {CgroupLimits.Parent}/{config.Cgroup}, " : "")}";
        }
        else
        {
            summary = "not root (no namespaces, cgroup or user change), ";
        }
        ThreadFilters.Process(pid).Install(allThreads: true);
        ThreadFilters.Enabled = true;
        return summary + $"seccomp on every thread, {loaded} assemblies loaded beforehand";
    }

    /// <summary>
    /// Loads every assembly the VMM's code can reach (its references, transitively) while their files can still be
    /// read. After confinement a pool thread may carry a worker's filter, which refuses open, and the runtime loads an
    /// assembly the first time code needs one of its types: the first DELETE of a hot-plugged device, which unescapes
    /// its id with System.Private.Uri, failed that way. Returns how many assemblies the VMM can reach.
    /// </summary>
    private static int LoadReachableAssemblies()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<Assembly>([typeof(VmmJail).Assembly]);
        while (pending.TryPop(out var assembly))
        {
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                if (reference.Name is null || !seen.Add(reference.Name)) continue;
                try
                {
                    pending.Push(Assembly.Load(reference));
                }
                catch (Exception error) when (error is FileNotFoundException or FileLoadException or BadImageFormatException)
                {
                    // A reference no code path of this build uses (a facade the app does not ship): nothing to load later either.
                }
            }
        }
        return seen.Count;
    }

    /// <summary>What the runtime may still load after the pivot: the app's directory and the shared frameworks.</summary>
    private static IEnumerable<string> RuntimeFiles()
    {
        yield return AppContext.BaseDirectory.TrimEnd('/');
        // .../shared/Microsoft.NETCore.App/VERSION/: the dotnet root holds every framework the app may load from.
        var framework = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd('/');
        var root = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(framework)));
        yield return root != null && Directory.Exists(Path.Combine(root, "shared")) ? root : framework;
    }

    private static (uint Uid, uint Gid) DefaultIds()
    {
        try
        {
            foreach (var line in File.ReadLines("/etc/passwd"))
            {
                var fields = line.Split(':');
                if (fields.Length > 3 && fields[0] == DefaultUser
                    && uint.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var uid) && uid != 0
                    && uint.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var gid) && gid != 0)
                    return (uid, gid);
            }
        }
        catch (IOException)
        {
        }
        return (Nobody, Nobody);
    }
}
