
namespace CloudBox.Hypervisor.Devices.Legacy;

/// <summary>
/// Where guest console bytes go (stdout or a file). Bytes are gathered and written per line, or after a short quiet
/// time for prompts without a newline, so a chatty boot costs few system calls.
/// </summary>
public sealed class ConsoleSink : IDisposable
{
    private readonly object _gate = new();
    private readonly Stream? _stream;
    private readonly byte[] _buffer = new byte[4096];
    private readonly Timer _flusher;
    private int _length;

    private ConsoleSink(Stream? stream)
    {
        _stream = stream;
        _flusher = new Timer(_ => Flush(), null, 50, 50);
    }

    /// <summary>"stdio", "none" or a file path (created or truncated).</summary>
    public static ConsoleSink Open(string target) => target switch
    {
        "stdio" => new ConsoleSink(Console.OpenStandardOutput()),
        "none" => new ConsoleSink(null),
        _ => new ConsoleSink(new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.None)),
    };

    public void Write(byte value)
    {
        if (_stream == null) return;
        lock (_gate)
        {
            _buffer[_length++] = value;
            if (value == (byte)'\n' || _length == _buffer.Length) FlushLocked();
        }
    }

    public void Flush()
    {
        lock (_gate) FlushLocked();
    }

    private void FlushLocked()
    {
        if (_length == 0 || _stream == null) return;
        try
        {
            _stream.Write(_buffer, 0, _length);
            _stream.Flush();
        }
        catch (IOException)
        {
            // A closed stdout must not take the guest down.
        }
        _length = 0;
    }

    public void Dispose()
    {
        _flusher.Dispose();
        Flush();
        _stream?.Dispose();
    }
}
