using System.Collections.Concurrent;
using CloudBox.Compute.Drivers;

namespace CloudBox.Compute.Tests;

/// <summary>
/// A fake VM backend for API tests, in process and only in tests: it keeps each VM's power state
/// in memory, records every call, writes a console line at boot, and can hold or fail starts to
/// stage crashes and driver errors.
/// </summary>
public sealed class InProcessFakeDriver : IHypervisorDriver
{
    private readonly ConcurrentDictionary<string, int> _states = new();
    private TaskCompletionSource _gate = CompletedGate();

    public ConcurrentQueue<(string Call, string ServerId)> Calls { get; } = new();
    public ConcurrentDictionary<string, VmDefinition> Started { get; } = new();

    /// <summary>Every disk and NIC hot-plug asked for, in order: ("attach-disk", server, the disk's id) and so on.</summary>
    public ConcurrentQueue<(string Call, string ServerId, string DeviceId)> Hotplugs { get; } = new();

    /// <summary>The disks plugged into running VMs, by server and disk id.</summary>
    public ConcurrentDictionary<(string ServerId, string DiskId), VmDisk> PluggedDisks { get; } = new();

    /// <summary>What a disk hot-plug or unplug into a running VM answers (Done; Unsupported as a hypervisor without it; Failed).</summary>
    public HotplugResult DiskHotplug { get; set; } = HotplugResult.Done;

    /// <summary>How long a disk unplug takes, as a hypervisor waiting for the guest to let go of the disk.</summary>
    public TimeSpan DiskUnplugDelay { get; set; }

    /// <summary>What a NIC hot-plug or unplug into a running VM answers.</summary>
    public HotplugResult NicHotplug { get; set; } = HotplugResult.Done;

    /// <summary>When set, the next starts fail with this message.</summary>
    public string? FailStarts { get; set; }

    public string HypervisorType => "fake";

    /// <summary>Starts wait until <see cref="ReleaseStarts"/> (or until cancelled, as on a host stop).</summary>
    public void HoldStarts() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ReleaseStarts() => _gate.TrySetResult();

    public int StateOf(string serverId) => _states.GetValueOrDefault(serverId, PowerState.Shutdown);

    /// <summary>Simulates the guest powering itself off.</summary>
    public void GuestPowersOff(string serverId) => _states[serverId] = PowerState.Shutdown;

    /// <summary>The NICs (tap to MAC) the running VM has: those it booted with, plus plugs and minus unplugs that succeeded.</summary>
    public ConcurrentDictionary<string, string> NicsOf(string serverId) => _nics.GetOrAdd(serverId, _ => new(StringComparer.Ordinal));

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, string>> _nics = new();

    private bool Runs(string serverId) => StateOf(serverId) is PowerState.Running or PowerState.Paused;

    public Task<HotplugResult> AttachDiskAsync(VmDefinition vm, VmDisk disk, CancellationToken cancellationToken)
    {
        Hotplugs.Enqueue(("attach-disk", vm.ServerId, disk.Id!));
        if (!Runs(vm.ServerId)) return Task.FromResult(HotplugResult.NoVm);
        if (DiskHotplug.Outcome == HotplugOutcome.Done) PluggedDisks[(vm.ServerId, disk.Id!)] = disk;
        return Task.FromResult(DiskHotplug);
    }

    public async Task<HotplugResult> DetachDiskAsync(VmDefinition vm, string diskId, CancellationToken cancellationToken)
    {
        await Task.Delay(DiskUnplugDelay, cancellationToken);
        Hotplugs.Enqueue(("detach-disk", vm.ServerId, diskId));
        if (!Runs(vm.ServerId)) return HotplugResult.NoVm;
        if (DiskHotplug.Outcome == HotplugOutcome.Done) PluggedDisks.TryRemove((vm.ServerId, diskId), out _);
        return DiskHotplug;
    }

    public Task<HotplugResult> AttachNicAsync(VmDefinition vm, VmNic nic, CancellationToken cancellationToken)
    {
        Hotplugs.Enqueue(("attach-nic", vm.ServerId, nic.Tap));
        if (!Runs(vm.ServerId)) return Task.FromResult(HotplugResult.NoVm);
        if (NicHotplug.Outcome == HotplugOutcome.Done) NicsOf(vm.ServerId)[nic.Tap] = nic.Mac;
        return Task.FromResult(NicHotplug);
    }

    public Task<HotplugResult> DetachNicAsync(VmDefinition vm, string nicId, CancellationToken cancellationToken)
    {
        Hotplugs.Enqueue(("detach-nic", vm.ServerId, nicId));
        if (!Runs(vm.ServerId)) return Task.FromResult(HotplugResult.NoVm);
        if (NicHotplug.Outcome == HotplugOutcome.Done) NicsOf(vm.ServerId).TryRemove(nicId, out _);
        return Task.FromResult(NicHotplug);
    }

    public Task<IReadOnlyList<string>?> NicIdsAsync(VmDefinition vm, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>?>(Runs(vm.ServerId) ? [.. NicsOf(vm.ServerId).Keys] : null);

    public int CountOf(string call, string serverId) => Calls.Count(c => c.Call == call && c.ServerId == serverId);

    public async Task StartAsync(VmDefinition vm, CancellationToken cancellationToken)
    {
        Calls.Enqueue(("start", vm.ServerId));
        await _gate.Task.WaitAsync(cancellationToken);
        if (FailStarts is { } message)
            throw new DriverException(message);
        if (!File.Exists(vm.KernelPath) || !File.Exists(vm.Disks[0].Path))
            throw new DriverException("fake driver: kernel or root disk missing");
        Started[vm.ServerId] = vm;
        var nics = NicsOf(vm.ServerId);
        nics.Clear();
        foreach (var nic in vm.Nics) nics[nic.Tap] = nic.Mac;
        _states[vm.ServerId] = PowerState.Running;
        await File.AppendAllTextAsync(vm.ConsoleLogPath, $"fake boot of {vm.ServerId}\nline 2\nlogin:\n", cancellationToken);
    }

    public Task<int> GetPowerStateAsync(VmDefinition vm, CancellationToken cancellationToken) => Task.FromResult(StateOf(vm.ServerId));

    public Task StopAsync(VmDefinition vm, TimeSpan grace, CancellationToken cancellationToken)
    {
        Calls.Enqueue(("stop", vm.ServerId));
        _states[vm.ServerId] = PowerState.Shutdown;
        return Task.CompletedTask;
    }

    public Task RebootAsync(VmDefinition vm, bool hard, CancellationToken cancellationToken)
    {
        Calls.Enqueue((hard ? "reboot-hard" : "reboot-soft", vm.ServerId));
        _states[vm.ServerId] = PowerState.Running;
        return Task.CompletedTask;
    }

    public Task PauseAsync(VmDefinition vm, CancellationToken cancellationToken)
    {
        Calls.Enqueue(("pause", vm.ServerId));
        _states[vm.ServerId] = PowerState.Paused;
        return Task.CompletedTask;
    }

    public Task ResumeAsync(VmDefinition vm, CancellationToken cancellationToken)
    {
        Calls.Enqueue(("resume", vm.ServerId));
        _states[vm.ServerId] = PowerState.Running;
        return Task.CompletedTask;
    }

    public Task DestroyAsync(VmDefinition vm, CancellationToken cancellationToken)
    {
        Calls.Enqueue(("destroy", vm.ServerId));
        _states[vm.ServerId] = PowerState.Shutdown;
        return Task.CompletedTask;
    }

    private static TaskCompletionSource CompletedGate()
    {
        var gate = new TaskCompletionSource();
        gate.SetResult();
        return gate;
    }
}
