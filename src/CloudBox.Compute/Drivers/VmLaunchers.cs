using Microsoft.Extensions.Logging;

namespace CloudBox.Compute.Drivers;

/// <summary>
/// Picks how new VMs are supervised, once per <c>serve</c>: a transient systemd unit where systemd
/// is PID 1 and its bus answers, else a detached process (<see cref="ComputeSettings.Supervision"/>
/// can force either). The choice is recorded in each VM's instance directory (<c>vmm.launcher</c>),
/// so a VM is always ended by the launcher that started it, even if the node's choice changed since.
/// </summary>
public sealed partial class VmLaunchers(ComputeSettings settings, SystemdUnitLauncher systemd, DetachedProcessLauncher detached, ILogger<VmLaunchers> logger)
{
    private readonly SemaphoreSlim _choosing = new(1, 1);
    private IVmLauncher? _preferred;

    /// <summary>Where a VM's launcher is recorded.</summary>
    public static string RecordFile(VmDefinition vm) => Path.Combine(vm.InstanceDirectory, "vmm.launcher");

    /// <summary>The launcher for VMs started from now on; decided (and logged) on first use.</summary>
    public async Task<IVmLauncher> PreferredAsync(CancellationToken cancellationToken)
    {
        if (_preferred is not null)
            return _preferred;
        await _choosing.WaitAsync(cancellationToken);
        try
        {
            _preferred ??= await ChooseAsync(cancellationToken);
            return _preferred;
        }
        finally
        {
            _choosing.Release();
        }
    }

    private async Task<IVmLauncher> ChooseAsync(CancellationToken cancellationToken)
    {
        switch (settings.Supervision)
        {
            case DetachedProcessLauncher.LauncherName:
                LogChosen(detached.Name, "configured");
                return detached;
            case SystemdUnitLauncher.LauncherName:
                LogChosen(systemd.Name, "configured");
                return systemd;
        }
        if (await systemd.UnavailableReasonAsync(cancellationToken) is { } why)
        {
            LogChosen(detached.Name, why);
            return detached;
        }
        LogChosen(systemd.Name, "systemd is PID 1 and answers on the bus");
        return systemd;
    }

    /// <summary>The launcher that started <paramref name="vm"/>'s VMM; VMs started before this record existed were detached.</summary>
    public IVmLauncher RecordedFor(VmDefinition vm)
    {
        var file = RecordFile(vm);
        var name = File.Exists(file) ? File.ReadAllText(file).Trim() : DetachedProcessLauncher.LauncherName;
        return name == SystemdUnitLauncher.LauncherName ? systemd : detached;
    }

    /// <summary>The recorded launcher's name, for reports; null when the VM never started.</summary>
    public static string? RecordedName(VmDefinition vm)
    {
        var file = RecordFile(vm);
        return File.Exists(file) ? File.ReadAllText(file).Trim() : File.Exists(VmmProcesses.PidFile(vm)) ? DetachedProcessLauncher.LauncherName : null;
    }

    /// <summary>Written before the VMM starts, so a crash right after the start still leaves the record.</summary>
    public static Task RecordAsync(VmDefinition vm, IVmLauncher launcher) => File.WriteAllTextAsync(RecordFile(vm), launcher.Name, CancellationToken.None);

    [LoggerMessage(Level = LogLevel.Information, Message = "VMs are supervised as: {Launcher} ({Why})")]
    private partial void LogChosen(string launcher, string why);
}
