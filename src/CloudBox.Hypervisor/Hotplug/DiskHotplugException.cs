namespace CloudBox.Hypervisor.Hotplug;

/// <summary>A refused disk plug or unplug; the message is the one line the API returns.</summary>
public sealed class DiskHotplugException(DiskHotplugFailure failure, string message) : Exception(message)
{
    public DiskHotplugFailure Failure { get; } = failure;
}
