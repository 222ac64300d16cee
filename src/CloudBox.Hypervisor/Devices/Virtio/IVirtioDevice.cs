namespace CloudBox.Hypervisor.Devices.Virtio;

/// <summary>
/// A virtio device model behind the PCI transport. Queue and descriptor work runs on the transport's worker
/// thread; configuration reads come from vCPU threads.
/// </summary>
public interface IVirtioDevice : IDisposable
{
    /// <summary>Virtio device id: 1 net, 2 block, 4 entropy.</summary>
    ushort DeviceType { get; }

    /// <summary>PCI class code for the function.</summary>
    uint PciClass { get; }

    ulong Features { get; }

    int QueueCount { get; }

    ushort QueueSize { get; }

    int ConfigLength { get; }

    void ReadConfig(int offset, Span<byte> data);

    /// <summary>Called on DRIVER_OK with the negotiated features and the queues, before any queue work.</summary>
    void Activate(VirtioContext context);

    /// <summary>The driver made buffers available on a queue.</summary>
    void ProcessQueue(int queue);

    /// <summary>Whether the transport may poll this device's queues while it is busy instead of waiting for notifications.</summary>
    bool PollWhileBusy => false;

    /// <summary>Requests handed to the backend and not finished yet (their completions will wake the worker).</summary>
    int InFlight => 0;

    /// <summary>One polling pass over a queue: serves what is there and reaps what finished; true when there was any work.</summary>
    bool Poll(int queue)
    {
        ProcessQueue(queue);
        return false;
    }

    /// <summary>Descriptors (beyond queue notifications) the worker should wait on: fd → token passed to <see cref="ProcessEvent"/>.</summary>
    ReadOnlySpan<int> ExtraDescriptors { get; }

    void ProcessEvent(int index);

    /// <summary>The driver reset the device (status 0).</summary>
    void Reset();

    /// <summary>Counters for GET /vm: operations and bytes.</summary>
    VirtioStats Stats { get; }
}
