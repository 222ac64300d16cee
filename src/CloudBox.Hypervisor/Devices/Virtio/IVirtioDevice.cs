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

    /// <summary>Descriptors (beyond queue notifications) the worker should wait on: fd → token passed to <see cref="ProcessEvent"/>.</summary>
    ReadOnlySpan<int> ExtraDescriptors { get; }

    void ProcessEvent(int index);

    /// <summary>The driver reset the device (status 0).</summary>
    void Reset();

    /// <summary>Counters for GET /vm: operations and bytes.</summary>
    VirtioStats Stats { get; }
}
