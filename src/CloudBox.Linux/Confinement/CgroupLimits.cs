using System.Globalization;

namespace CloudBox.Linux.Confinement;

/// <summary>
/// A control group of the VMM's own under <c>cloudbox-vms/</c>, with the flavor's memory (plus the VMM's overhead) and
/// CPU limits, that the process moves itself into before it maps guest memory: a guest, or an escaped VMM, cannot take
/// more of the host than its flavor. (Compute removes the group once the VMM has exited.) cgroup v2 (memory.max, cpu.max) where the unified hierarchy has the controllers,
/// else the v1 memory and cpu hierarchies (memory.limit_in_bytes, cpu.cfs_quota_us).
/// </summary>
public static class CgroupLimits
{
    public const string Parent = "cloudbox-vms";
    private const string Root = "/sys/fs/cgroup";
    private const long PeriodMicroseconds = 100_000;

    /// <summary>What the VMM itself needs on top of guest RAM: the runtime, JIT, device rings and buffers.</summary>
    public const int OverheadMiB = 256;

    /// <summary>
    /// The directory of a v1 hierarchy the group goes under: the process's current group there (v1 has no rule against
    /// processes in inner groups, and a host that confines serve, such as a container, keeps confining its VMs).
    /// </summary>
    private static string V1Base(string controller)
    {
        foreach (var line in File.ReadAllLines("/proc/self/cgroup"))
        {
            var parts = line.Split(':', 3);
            if (parts.Length == 3 && parts[1].Split(',').Contains(controller))
                return Path.Combine(Root, controller) + parts[2].TrimEnd('/');
        }
        return Path.Combine(Root, controller);
    }

    private static bool IsUnified => File.Exists(Path.Combine(Root, "cgroup.controllers"));

    /// <summary>Creates the group (or reuses a left-over one) with the limits and moves this process into it.</summary>
    public static void Join(string name, int memoryMiB, int vcpus)
    {
        if (name.Length == 0 || name.Contains('/') || name is "." or "..") throw new ArgumentException($"bad cgroup name '{name}'");
        var memory = ((long)memoryMiB + OverheadMiB) * 1024 * 1024;
        var quota = vcpus * PeriodMicroseconds;
        var pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        try
        {
            if (IsUnified)
            {
                var parent = Path.Combine(Root, Parent);
                Directory.CreateDirectory(parent);
                File.WriteAllText(Path.Combine(Root, "cgroup.subtree_control"), "+memory +cpu");
                File.WriteAllText(Path.Combine(parent, "cgroup.subtree_control"), "+memory +cpu");
                var group = Path.Combine(parent, name);
                Directory.CreateDirectory(group);
                File.WriteAllText(Path.Combine(group, "memory.max"), memory.ToString(CultureInfo.InvariantCulture));
                File.WriteAllText(Path.Combine(group, "memory.swap.max"), "0");
                File.WriteAllText(Path.Combine(group, "cpu.max"), $"{quota} {PeriodMicroseconds}");
                File.WriteAllText(Path.Combine(group, "cgroup.procs"), pid);
                return;
            }
            var memoryGroup = Path.Combine(V1Base("memory"), Parent, name);
            Directory.CreateDirectory(memoryGroup);
            File.WriteAllText(Path.Combine(memoryGroup, "memory.limit_in_bytes"), memory.ToString(CultureInfo.InvariantCulture));
            File.WriteAllText(Path.Combine(memoryGroup, "cgroup.procs"), pid);
            if (Directory.Exists(Path.Combine(Root, "cpu")))
            {
                var cpuGroup = Path.Combine(V1Base("cpu"), Parent, name);
                Directory.CreateDirectory(cpuGroup);
                File.WriteAllText(Path.Combine(cpuGroup, "cpu.cfs_period_us"), PeriodMicroseconds.ToString(CultureInfo.InvariantCulture));
                File.WriteAllText(Path.Combine(cpuGroup, "cpu.cfs_quota_us"), quota.ToString(CultureInfo.InvariantCulture));
                File.WriteAllText(Path.Combine(cpuGroup, "cgroup.procs"), pid);
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot join cgroup {Parent}/{name}: {error.Message}", error);
        }
    }

    /// <summary>Removes a group whose VMM has exited (its directories are empty then); false while a process is still in it.</summary>
    public static bool Remove(string name)
    {
        var removed = true;
        string[] groups = IsUnified ? [Path.Combine(Root, Parent, name)] : [Path.Combine(V1Base("memory"), Parent, name), Path.Combine(V1Base("cpu"), Parent, name)];
        foreach (var group in groups)
        {
            try
            {
                if (Directory.Exists(group)) Directory.Delete(group); // cgroupfs: rmdir of a group with no processes
            }
            catch (IOException)
            {
                removed = false;
            }
        }
        return removed;
    }
}
