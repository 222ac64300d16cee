namespace CloudBox.Hypervisor.Devices;

/// <summary>
/// Dispatches MMIO exits to the region containing the address. Regions move when the guest reprograms a PCI BAR,
/// so the table is replaced copy-on-write and read lock-free by vCPU threads.
/// </summary>
public sealed class MmioBus
{
    private readonly object _gate = new();
    private Region[] _regions = [];

    public void Register(ulong address, ulong length, IMmioDevice device, object? owner = null)
    {
        lock (_gate)
        {
            var next = new Region[_regions.Length + 1];
            _regions.CopyTo(next, 0);
            next[^1] = new Region(address, length, device, owner ?? device);
            Volatile.Write(ref _regions, next);
        }
    }

    /// <summary>Moves (or, with length 0, removes) the region registered for <paramref name="owner"/> and <paramref name="device"/>.</summary>
    public void Move(object owner, IMmioDevice device, ulong address, ulong length)
    {
        lock (_gate)
        {
            var list = new List<Region>(_regions.Length + 1);
            foreach (var r in _regions)
                if (!(ReferenceEquals(r.Owner, owner) && ReferenceEquals(r.Device, device))) list.Add(r);
            if (length > 0) list.Add(new Region(address, length, device, owner));
            Volatile.Write(ref _regions, list.ToArray());
        }
    }

    public bool Read(ulong address, Span<byte> data)
    {
        var regions = Volatile.Read(ref _regions);
        for (var i = 0; i < regions.Length; i++)
        {
            var r = regions[i];
            if (address - r.Address < r.Length)
            {
                r.Device.Read(address - r.Address, data);
                return true;
            }
        }
        data.Fill(0xFF);
        return false;
    }

    public bool Write(ulong address, ReadOnlySpan<byte> data)
    {
        var regions = Volatile.Read(ref _regions);
        for (var i = 0; i < regions.Length; i++)
        {
            var r = regions[i];
            if (address - r.Address < r.Length)
            {
                r.Device.Write(address - r.Address, data);
                return true;
            }
        }
        return false;
    }

    private sealed record Region(ulong Address, ulong Length, IMmioDevice Device, object Owner);
}
