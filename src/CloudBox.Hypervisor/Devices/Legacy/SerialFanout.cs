namespace CloudBox.Hypervisor.Devices.Legacy;

/// <summary>
/// Copies the guest's serial output to every attached reader (the control API's <c>/vm/serial</c> streams). The UART
/// calls <see cref="Write"/> under its lock on a vCPU thread, so a write only appends to each reader's buffer and wakes
/// its pump; a reader that falls more than a buffer behind loses the overflow rather than stalling the guest.
/// </summary>
public sealed class SerialFanout
{
    private readonly object _gate = new();
    private Reader[] _readers = [];

    /// <summary>One attached reader: a byte buffer its pump drains.</summary>
    public sealed class Reader
    {
        private readonly object _gate = new();
        private readonly byte[] _buffer = new byte[64 * 1024];
        private readonly SemaphoreSlim _signal = new(0, 1);
        private int _length;
        private bool _signalled;

        internal void Append(byte value)
        {
            lock (_gate)
            {
                if (_length < _buffer.Length) _buffer[_length++] = value;
                if (_signalled) return;
                _signalled = true;
            }
            _signal.Release();
        }

        /// <summary>Waits for output and copies it into <paramref name="destination"/> (at least as large as the reader's buffer); returns the count.</summary>
        public async Task<int> ReadAsync(byte[] destination, CancellationToken cancellationToken)
        {
            while (true)
            {
                await _signal.WaitAsync(cancellationToken);
                lock (_gate)
                {
                    _signalled = false;
                    var n = _length;
                    if (n == 0) continue;
                    Buffer.BlockCopy(_buffer, 0, destination, 0, n);
                    _length = 0;
                    return n;
                }
            }
        }

        public const int BufferSize = 64 * 1024;
    }

    public Reader Attach()
    {
        var reader = new Reader();
        lock (_gate) _readers = [.. _readers, reader];
        return reader;
    }

    public void Detach(Reader reader)
    {
        lock (_gate) _readers = Array.FindAll(_readers, r => r != reader);
    }

    public void Write(byte value)
    {
        var readers = Volatile.Read(ref _readers);
        for (var i = 0; i < readers.Length; i++) readers[i].Append(value);
    }
}
