namespace CloudBox.Compute.Drivers;

/// <summary>What a hypervisor did with a request to add or remove a disk or a NIC of a VM.</summary>
public enum HotplugOutcome
{
    /// <summary>Done; for a removal also when the VM did not have the device.</summary>
    Done,

    /// <summary>No VM runs (none answers, or it is between two boots): its next start uses the definition.</summary>
    NoVm,

    /// <summary>The VM runs, but its hypervisor cannot change this kind of device while it does.</summary>
    Unsupported,

    /// <summary>The hypervisor tried and failed; <see cref="HotplugResult.Detail"/> says why.</summary>
    Failed,
}

/// <summary>A hot-plug's outcome and, for the log and a failure's message, what the hypervisor said.</summary>
public sealed record HotplugResult(HotplugOutcome Outcome, string Detail = "")
{
    public static readonly HotplugResult Done = new(HotplugOutcome.Done);

    public static readonly HotplugResult NoVm = new(HotplugOutcome.NoVm);
}
