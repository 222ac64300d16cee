namespace CloudBox.Hypervisor.Devices.Virtio;

/// <summary>Per-device counters written by the worker thread, read by the control API.</summary>
public sealed class VirtioStats
{
    public long ReadOps;
    public long ReadBytes;
    public long WriteOps;
    public long WriteBytes;
    public long OtherOps;
    public long Interrupts;
    public long Notifications;
    /// <summary>Polling passes that found work (requests or completions) without a notification.</summary>
    public long PolledPasses;
}
