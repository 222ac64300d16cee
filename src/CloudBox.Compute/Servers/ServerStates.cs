namespace CloudBox.Compute.Servers;

/// <summary>Nova's vm_state and task_state values, and how they make the API's <c>status</c>.</summary>
public static class ServerStates
{
    public const string Building = "building";
    public const string Active = "active";
    public const string Stopped = "stopped";
    public const string Paused = "paused";
    public const string Suspended = "suspended";
    public const string Error = "error";
    public const string Deleted = "deleted";

    public const string Scheduling = "scheduling";
    public const string BlockDeviceMapping = "block_device_mapping";
    public const string Spawning = "spawning";
    public const string PoweringOn = "powering-on";
    public const string PoweringOff = "powering-off";
    public const string Rebooting = "reboot_started";
    public const string RebootingHard = "reboot_started_hard";
    public const string Pausing = "pausing";
    public const string Unpausing = "unpausing";
    public const string Suspending = "suspending";
    public const string Resuming = "resuming";
    public const string ImageSnapshot = "image_snapshot";
    public const string Rebuilding = "rebuilding";
    public const string Deleting = "deleting";

    public static string Status(string vmState, string? taskState) => vmState switch
    {
        Building => "BUILD",
        Active => taskState switch
        {
            Rebooting or "rebooting" or "reboot_pending" => "REBOOT",
            RebootingHard or "rebooting_hard" or "reboot_pending_hard" => "HARD_REBOOT",
            Rebuilding or "rebuild_spawning" => "REBUILD",
            _ => "ACTIVE",
        },
        Stopped => taskState is Rebuilding ? "REBUILD" : "SHUTOFF",
        Paused => "PAUSED",
        Suspended => "SUSPENDED",
        Error => taskState is Rebuilding ? "REBUILD" : "ERROR",
        Deleted => "DELETED",
        _ => "UNKNOWN",
    };

    /// <summary>The vm_states a <c>status</c> filter selects.</summary>
    public static string[] VmStatesFor(string status) => status.ToUpperInvariant() switch
    {
        "BUILD" => [Building],
        "ACTIVE" or "REBOOT" or "HARD_REBOOT" => [Active],
        "SHUTOFF" => [Stopped],
        "PAUSED" => [Paused],
        "SUSPENDED" => [Suspended],
        "ERROR" => [Error],
        "DELETED" => [Deleted],
        _ => [],
    };
}
