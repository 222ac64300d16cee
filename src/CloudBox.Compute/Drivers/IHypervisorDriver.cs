namespace CloudBox.Compute.Drivers;

/// <summary>
/// What Compute needs from a hypervisor, one VM per server id. Implementations: <see cref="VmmProcessDriver"/>
/// (one <c>cloudbox vmm</c> process per VM); tests plug in an in-process fake.
/// </summary>
public interface IHypervisorDriver
{
    /// <summary>Reported as <c>hypervisor_type</c>.</summary>
    string HypervisorType { get; }

    /// <summary>Boots the VM; returns once it runs. Starting a VM that already runs is a no-op.</summary>
    Task StartAsync(VmDefinition vm, CancellationToken cancellationToken);

    /// <summary>The VM's power state as the hypervisor sees it (<see cref="PowerState.Shutdown"/> when no VM exists,
    /// <see cref="PowerState.NoState"/> when it exists but cannot tell).</summary>
    Task<int> GetPowerStateAsync(VmDefinition vm, CancellationToken cancellationToken);

    /// <summary>Asks the guest to power off, then forces it after <paramref name="grace"/>.</summary>
    Task StopAsync(VmDefinition vm, TimeSpan grace, CancellationToken cancellationToken);

    /// <summary>Soft: the guest reboots itself; hard: the VM is reset (or restarted when it was off).</summary>
    Task RebootAsync(VmDefinition vm, bool hard, CancellationToken cancellationToken);

    Task PauseAsync(VmDefinition vm, CancellationToken cancellationToken);

    Task ResumeAsync(VmDefinition vm, CancellationToken cancellationToken);

    /// <summary>Kills the VM if it runs; idempotent.</summary>
    Task DestroyAsync(VmDefinition vm, CancellationToken cancellationToken);

    /// <summary>
    /// Attaches to the VM's serial port: reads give the guest's output, writes type into it. Null when the VM does not
    /// run or the hypervisor has no serial stream.
    /// </summary>
    Task<Stream?> OpenSerialAsync(VmDefinition vm, CancellationToken cancellationToken) => Task.FromResult<Stream?>(null);

    /// <summary>
    /// Adds a disk to the running VM (a volume: its id names it, and is the serial the guest sees). Drivers without
    /// hot-plug, and a VM that does not run, answer <see cref="HotplugOutcome.NoVm"/>: the disk is in the definition the
    /// next start uses.
    /// </summary>
    Task<HotplugResult> AttachDiskAsync(VmDefinition vm, VmDisk disk, CancellationToken cancellationToken) => Task.FromResult(HotplugResult.NoVm);

    /// <summary>Takes a disk out of the running VM, waiting for the guest to let go of it.</summary>
    Task<HotplugResult> DetachDiskAsync(VmDefinition vm, string diskId, CancellationToken cancellationToken) => Task.FromResult(HotplugResult.NoVm);

    /// <summary>Adds a NIC to the running VM; its id in the hypervisor is the tap's name, as for the NICs it booted with.</summary>
    Task<HotplugResult> AttachNicAsync(VmDefinition vm, VmNic nic, CancellationToken cancellationToken) => Task.FromResult(HotplugResult.NoVm);

    Task<HotplugResult> DetachNicAsync(VmDefinition vm, string nicId, CancellationToken cancellationToken) => Task.FromResult(HotplugResult.NoVm);

    /// <summary>The ids of the NICs the running VM has; null when no VM answers.</summary>
    Task<IReadOnlyList<string>?> NicIdsAsync(VmDefinition vm, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>?>(null);
}
