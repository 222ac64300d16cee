namespace CloudBox.Hypervisor.Hotplug;

/// <summary>A refused plug or unplug of a disk or NIC; the message is the one line the API returns.</summary>
public sealed class HotplugException(HotplugFailure failure, string message) : Exception(message)
{
    public HotplugFailure Failure { get; } = failure;
}
