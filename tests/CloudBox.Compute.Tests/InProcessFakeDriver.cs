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

    /// <summary>When set, the next starts fail with this message.</summary>
    public string? FailStarts { get; set; }

    public string HypervisorType => "fake";

    /// <summary>Starts wait until <see cref="ReleaseStarts"/> (or until cancelled, as on a host stop).</summary>
    public void HoldStarts() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ReleaseStarts() => _gate.TrySetResult();

    public int StateOf(string serverId) => _states.GetValueOrDefault(serverId, PowerState.Shutdown);

    /// <summary>Simulates the guest powering itself off.</summary>
    public void GuestPowersOff(string serverId) => _states[serverId] = PowerState.Shutdown;

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
