namespace CloudBox.Ec2.Actions;

/// <summary>EC2's instance states (code and name) from Nova's status, vm_state and task_state, as ec2-api mapped them.</summary>
internal readonly record struct InstanceState(int Code, string Name)
{
    public static readonly InstanceState Pending = new(0, "pending");
    public static readonly InstanceState Running = new(16, "running");
    public static readonly InstanceState ShuttingDown = new(32, "shutting-down");
    public static readonly InstanceState Terminated = new(48, "terminated");
    public static readonly InstanceState Stopping = new(64, "stopping");
    public static readonly InstanceState Stopped = new(80, "stopped");

    public static InstanceState Of(string? status, string? vmState, string? taskState)
    {
        if (taskState is "deleting")
            return ShuttingDown;
        if (taskState is "powering-off")
            return Stopping;
        if (taskState is "powering-on" or "spawning" or "scheduling" or "block_device_mapping" or "networking")
            return Pending;
        return (vmState ?? status?.ToLowerInvariant()) switch
        {
            "building" or "build" => Pending,
            "active" or "rebooting" or "reboot" or "hard_reboot" or "paused" or "suspended" or "rescued" or "resized" => Running,
            "stopped" or "shutoff" => Stopped,
            "deleted" or "soft_deleted" or "soft-delete" => Terminated,
            "error" => Stopped,
            _ => Pending,
        };
    }
}
