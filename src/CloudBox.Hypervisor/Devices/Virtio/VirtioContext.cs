using CloudBox.Hypervisor.Kvm;

namespace CloudBox.Hypervisor.Devices.Virtio;

/// <summary>What an active device uses: guest memory, its queues, the negotiated features and a way to interrupt the driver.</summary>
public sealed class VirtioContext(GuestMemory memory, Virtqueue[] queues, ulong features, Action<int> notifyQueue, Action<int, bool> setEventInterest)
{
    public GuestMemory Memory { get; } = memory;
    public Virtqueue[] Queues { get; } = queues;
    public ulong Features { get; } = features;

    /// <summary>Raises the queue's MSI-X vector if the driver wants it.</summary>
    public void Interrupt(int queue) => notifyQueue(queue);

    /// <summary>Starts or stops waiting on one of the device's extra descriptors (a tap with no room to receive).</summary>
    public void SetEventInterest(int index, bool interested) => setEventInterest(index, interested);
}
