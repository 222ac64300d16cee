using CloudBox.Linux.Tun;

namespace CloudBox.Hypervisor.Devices.Virtio;

/// <summary>
/// virtio-net (virtio 1.x section 5.1) on a tap: queue 0 receives, queue 1 transmits. The 12-byte virtio-net header
/// travels unchanged between the guest and the tap (IFF_VNET_HDR), and no offloads are offered, so it stays zero.
/// </summary>
public sealed class VirtioNet : IVirtioDevice
{
    public const int HeaderLength = 12;
    private const int FeatureMac = 5;
    private const int RxQueue = 0;
    private const int TxQueue = 1;
    private const int MaxFrame = HeaderLength + 65550;

    private readonly TapDevice _tap;
    private readonly byte[] _mac;
    private readonly int[] _descriptors;
    private readonly byte[] _frame = new byte[MaxFrame];
    private VirtioContext? _context;
    private bool _waitingForRxBuffers;

    /// <summary>Opens the tap now, so a missing or busy tap fails before the guest starts.</summary>
    public VirtioNet(string tapName, byte[] mac, Func<TapDevice>? open = null)
    {
        _tap = Confinement.HeldFiles.OpenTap(tapName, HeaderLength, open ?? (() => TapDevice.Open(tapName, HeaderLength)));
        _mac = mac;
        _descriptors = [_tap.Fd];
    }

    public string TapName => _tap.Name;
    public ReadOnlySpan<byte> Mac => _mac;
    public ushort DeviceType => 1;
    public uint PciClass => 0x020000; // network, Ethernet
    public ulong Features => 1UL << FeatureMac;
    public int QueueCount => 2;
    public ushort QueueSize => 256;
    public int ConfigLength => 8;
    public ReadOnlySpan<int> ExtraDescriptors => _descriptors;
    public VirtioStats Stats { get; } = new();

    public void ReadConfig(int offset, Span<byte> data)
    {
        Span<byte> config = stackalloc byte[8];
        config.Clear();
        _mac.CopyTo(config);
        if (offset < 0 || offset + data.Length > config.Length) { data.Clear(); return; }
        config.Slice(offset, data.Length).CopyTo(data);
    }

    public void Activate(VirtioContext context)
    {
        _context = context;
        _waitingForRxBuffers = false;
        context.SetEventInterest(0, true);
    }

    public void Reset() => _context = null;

    public void ProcessQueue(int queue)
    {
        var context = _context;
        if (context == null) return;
        if (queue == TxQueue) Transmit(context);
        else if (_waitingForRxBuffers)
        {
            // The driver refilled the receive ring: listen to the tap again.
            _waitingForRxBuffers = false;
            context.SetEventInterest(0, true);
            Receive(context);
        }
    }

    /// <summary>The tap has frames.</summary>
    public void ProcessEvent(int index)
    {
        var context = _context;
        if (context != null) Receive(context);
    }

    private void Transmit(VirtioContext context)
    {
        var q = context.Queues[TxQueue];
        var sent = false;
        while (q.TryPop())
        {
            var length = 0;
            for (var i = 0; i < q.ChainLength; i++)
            {
                var d = q.Chain[i];
                if (d.Writable || length + d.Length > _frame.Length) continue;
                context.Memory.Span(d.Address, (int)d.Length).CopyTo(_frame.AsSpan(length));
                length += (int)d.Length;
            }
            // A full tap queue drops the frame, as a congested wire would.
            if (length > HeaderLength && _tap.Write(_frame.AsSpan(0, length)) > 0)
            {
                Stats.WriteOps++;
                Stats.WriteBytes += length - HeaderLength;
            }
            q.PushUsed(q.ChainHead, 0);
            sent = true;
        }
        if (sent) context.Interrupt(TxQueue);
    }

    private void Receive(VirtioContext context)
    {
        var q = context.Queues[RxQueue];
        var received = false;
        while (true)
        {
            if (!q.TryPop())
            {
                // No buffers: stop listening to the tap (it is level-triggered) until the driver adds some.
                _waitingForRxBuffers = true;
                context.SetEventInterest(0, false);
                break;
            }
            var length = _tap.Read(_frame);
            if (length < 0)
            {
                q.Unpop();
                break;
            }
            if (length >= HeaderLength) _frame[HeaderLength - 2] = 1; // num_buffers: one chain holds the frame
            var copied = 0;
            for (var i = 0; i < q.ChainLength && copied < length; i++)
            {
                var d = q.Chain[i];
                if (!d.Writable) continue;
                var n = (int)Math.Min(d.Length, (uint)(length - copied));
                _frame.AsSpan(copied, n).CopyTo(context.Memory.Span(d.Address, n));
                copied += n;
            }
            q.PushUsed(q.ChainHead, (uint)copied);
            Stats.ReadOps++;
            Stats.ReadBytes += copied - HeaderLength;
            received = true;
        }
        if (received) context.Interrupt(RxQueue);
    }

    public void Dispose() => _tap.Dispose();
}
