namespace CloudBox.Hypervisor.Devices;

/// <summary>Dispatches port I/O exits in O(1): one byte per port naming the owning device.</summary>
public sealed class PortBus
{
    private readonly byte[] _owner = new byte[65536];
    private readonly IPortDevice?[] _devices = new IPortDevice?[256];
    private int _count = 1; // index 0 means "nobody"

    public void Register(ushort first, int length, IPortDevice device)
    {
        var index = Array.IndexOf(_devices, device);
        if (index < 0)
        {
            index = _count++;
            _devices[index] = device;
        }
        for (var port = first; port < first + length; port++) _owner[port] = (byte)index;
    }

    /// <summary>Reads from a port; unclaimed ports read as all ones, like an empty ISA bus.</summary>
    public bool Read(ushort port, Span<byte> data)
    {
        var device = _devices[_owner[port]];
        if (device == null)
        {
            data.Fill(0xFF);
            return false;
        }
        device.Read(port, data);
        return true;
    }

    public bool Write(ushort port, ReadOnlySpan<byte> data)
    {
        var device = _devices[_owner[port]];
        if (device == null) return false;
        device.Write(port, data);
        return true;
    }
}
