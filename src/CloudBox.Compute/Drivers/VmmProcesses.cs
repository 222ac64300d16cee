using System.Diagnostics;
using System.Globalization;

namespace CloudBox.Compute.Drivers;

/// <summary>
/// Finds and ends the <c>cloudbox vmm</c> process of one VM through <c>/proc</c>, whoever started it.
/// A process counts as the VM's only while its command line names the VM's control socket, so a
/// recycled pid is never mistaken for it (nor killed).
/// </summary>
public static class VmmProcesses
{
    public static string PidFile(VmDefinition vm) => Path.Combine(vm.InstanceDirectory, "vmm.pid");

    /// <summary>True when <paramref name="pid"/> is a live process whose command line names <paramref name="apiSocketPath"/>.</summary>
    public static bool IsVmm(int pid, string apiSocketPath)
    {
        try
        {
            // A zombie's cmdline is empty: an exited VMM that serve has not reaped yet does not count.
            var cmdline = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline");
            return Array.IndexOf(cmdline.Split('\0'), apiSocketPath) >= 0;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The pid of the live VMM of <paramref name="vm"/>: the recorded one if it still is the VMM, else found by scanning <c>/proc</c>; null when none runs.</summary>
    public static int? Find(VmDefinition vm)
    {
        if (Recorded(vm) is { } recorded && IsVmm(recorded, vm.ApiSocketPath))
            return recorded;
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid != Environment.ProcessId && IsVmm(pid, vm.ApiSocketPath))
                return pid;
        }
        return null;
    }

    public static int? Recorded(VmDefinition vm)
    {
        try
        {
            return int.TryParse(File.ReadAllText(PidFile(vm)).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static Task RecordAsync(VmDefinition vm, int pid) =>
        File.WriteAllTextAsync(PidFile(vm), pid.ToString(CultureInfo.InvariantCulture), CancellationToken.None);

    /// <summary>Kills the VM's VMM process if one runs and waits (up to 5 s) for it to go.</summary>
    public static async Task KillAsync(VmDefinition vm)
    {
        if (Find(vm) is not { } pid)
            return;
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            // WaitForExitAsync only works for children; a VMM reattached after a restart is not one.
            while (IsVmm(pid, vm.ApiSocketPath))
                await Task.Delay(20, timeout.Token);
        }
        catch (Exception error) when (error is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or OperationCanceledException)
        {
            // Gone already, or not ours to wait for: either way it no longer holds the VM.
        }
    }
}
