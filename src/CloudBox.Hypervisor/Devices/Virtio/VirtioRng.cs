using CloudBox.Linux;

namespace CloudBox.Hypervisor.Devices.Virtio;

/// <summary>virtio-rng (virtio 1.x section 5.4): fills every writable buffer the driver offers from the host CSPRNG.</summary>
public sealed class VirtioRng : IVirtioDevice
{
    private VirtioContext? _context;

    public ushort DeviceType => 4;
    public uint PciClass => 0x00FF00; // unclassified
    public ulong Features => 0;
    public int QueueCount => 1;
    public ushort QueueSize => 64;
    public int ConfigLength => 0;
    public ReadOnlySpan<int> ExtraDescriptors => [];
    public VirtioStats Stats { get; } = new();

    public void ReadConfig(int offset, Span<byte> data) => data.Clear();

    public void Activate(VirtioContext context) => _context = context;

    public void Reset() => _context = null;

    public void ProcessEvent(int index)
    {
    }

    public void ProcessQueue(int queue)
    {
        var context = _context;
        if (context == null) return;
        var q = context.Queues[queue];
        var served = false;
        while (q.TryPop())
        {
            uint written = 0;
            for (var i = 0; i < q.ChainLength; i++)
            {
                var d = q.Chain[i];
                if (!d.Writable) continue;
                KernelRandom.Fill(context.Memory.Span(d.Address, (int)d.Length));
                written += d.Length;
            }
            q.PushUsed(q.ChainHead, written);
            Stats.ReadOps++;
            Stats.ReadBytes += written;
            served = true;
        }
        if (served) context.Interrupt(queue);
    }

    public void Dispose()
    {
    }
}
