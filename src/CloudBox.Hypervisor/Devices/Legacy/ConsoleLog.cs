namespace CloudBox.Hypervisor.Devices.Legacy;

/// <summary>The last few KiB of console output, kept to explain a crash.</summary>
public sealed class ConsoleLog
{
    private readonly byte[] _ring = new byte[8192];
    private long _written;

    public void Append(byte value)
    {
        _ring[_written % _ring.Length] = value;
        _written++;
    }

    /// <summary>The last <paramref name="lines"/> lines of output.</summary>
    public string LastLines(int lines)
    {
        var count = (int)Math.Min(_written, _ring.Length);
        var bytes = new byte[count];
        for (var i = 0; i < count; i++) bytes[i] = _ring[(_written - count + i) % _ring.Length];
        var text = System.Text.Encoding.UTF8.GetString(bytes).Replace("\r", "");
        var all = text.Split('\n');
        var start = Math.Max(0, all.Length - lines);
        return string.Join('\n', all, start, all.Length - start);
    }

    /// <summary>All console output kept so far (for tests).</summary>
    public string Text => LastLines(int.MaxValue);
}
