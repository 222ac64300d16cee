namespace CloudBox.Hypervisor.Devices.Legacy;

/// <summary>
/// A 16550A UART at 0x3F8 (COM1): transmit goes straight to the console sink, receive comes from a FIFO fed by the
/// console input thread; interrupts for received data and transmitter-empty drive IRQ 4.
/// </summary>
public sealed class Serial16550 : IPortDevice
{
    public const ushort BasePort = 0x3F8;
    public const uint Irq = 4;

    private const byte IerReceivedData = 0x01;
    private const byte IerTransmitterEmpty = 0x02;
    private const byte IirNoInterrupt = 0x01;
    private const byte IirTransmitterEmpty = 0x02;
    private const byte IirReceivedData = 0x04;
    private const byte IirFifoEnabled = 0xC0;
    private const byte LcrDlab = 0x80;
    private const byte LsrDataReady = 0x01;
    private const byte LsrThrEmpty = 0x20;
    private const byte LsrTransmitterEmpty = 0x40;
    private const byte McrLoopback = 0x10;
    private const int FifoSize = 64;

    private readonly object _gate = new();
    private readonly Action<byte> _output;
    private readonly IInterruptLine _irq;
    private readonly byte[] _rx = new byte[4096];
    private int _rxHead, _rxCount;
    private byte _ier, _lcr = 0x03, _mcr = 0x08, _scr, _fcr;
    private byte _dll = 0x0C, _dlm;
    private bool _thrInterruptPending;
    private bool _lineLevel;

    /// <param name="output">Receives each transmitted byte (console sink); called under the device lock.</param>
    public Serial16550(Action<byte> output, IInterruptLine irq)
    {
        _output = output;
        _irq = irq;
    }

    public ConsoleLog Log { get; } = new();

    public long BytesTransmitted { get; private set; }

    /// <summary>Queues console input for the guest; returns how many bytes fitted.</summary>
    public int Enqueue(ReadOnlySpan<byte> input)
    {
        lock (_gate)
        {
            var n = 0;
            for (; n < input.Length && _rxCount < _rx.Length; n++)
            {
                _rx[(_rxHead + _rxCount) % _rx.Length] = input[n];
                _rxCount++;
            }
            UpdateInterrupt();
            return n;
        }
    }

    /// <summary>Whether the guest has room for more input (a receiving guest drains to below a FIFO's worth).</summary>
    public bool CanAccept
    {
        get { lock (_gate) return _rxCount < FifoSize; }
    }

    public void Read(ushort port, Span<byte> data)
    {
        lock (_gate)
        {
            data.Clear();
            data[0] = ReadRegister(port - BasePort);
        }
    }

    public void Write(ushort port, ReadOnlySpan<byte> data)
    {
        lock (_gate) WriteRegister(port - BasePort, data[0]);
    }

    private byte ReadRegister(int offset)
    {
        switch (offset)
        {
            case 0:
                if ((_lcr & LcrDlab) != 0) return _dll;
                if (_rxCount == 0) return 0;
                var value = _rx[_rxHead];
                _rxHead = (_rxHead + 1) % _rx.Length;
                _rxCount--;
                UpdateInterrupt();
                return value;
            case 1:
                return (_lcr & LcrDlab) != 0 ? _dlm : _ier;
            case 2:
                {
                    var iir = InterruptIdentification();
                    // Reading IIR with THRE as the cause acknowledges it.
                    if ((iir & 0x0F) == IirTransmitterEmpty) _thrInterruptPending = false;
                    UpdateInterrupt();
                    return (byte)(iir | ((_fcr & 1) != 0 ? IirFifoEnabled : 0));
                }
            case 3:
                return _lcr;
            case 4:
                return _mcr;
            case 5:
                return (byte)(LsrThrEmpty | LsrTransmitterEmpty | (_rxCount > 0 ? LsrDataReady : 0));
            case 6:
                // Loopback reflects MCR into MSR (the 8250 driver probes this); otherwise report DCD, DSR, CTS.
                if ((_mcr & McrLoopback) != 0)
                    return (byte)(((_mcr & 0x02) << 3) | ((_mcr & 0x01) << 5) | ((_mcr & 0x04) << 4) | ((_mcr & 0x08) << 4));
                return 0xB0;
            case 7:
                return _scr;
            default:
                return 0;
        }
    }

    private void WriteRegister(int offset, byte value)
    {
        switch (offset)
        {
            case 0:
                if ((_lcr & LcrDlab) != 0) { _dll = value; return; }
                if ((_mcr & McrLoopback) != 0)
                {
                    if (_rxCount < _rx.Length) { _rx[(_rxHead + _rxCount) % _rx.Length] = value; _rxCount++; }
                }
                else
                {
                    _output(value);
                    Log.Append(value);
                    BytesTransmitted++;
                }
                _thrInterruptPending = true; // we transmit instantly, so the holding register is empty again
                UpdateInterrupt();
                return;
            case 1:
                if ((_lcr & LcrDlab) != 0) { _dlm = value; return; }
                var enablingThre = (value & IerTransmitterEmpty) != 0 && (_ier & IerTransmitterEmpty) == 0;
                _ier = (byte)(value & 0x0F);
                if (enablingThre) _thrInterruptPending = true;
                UpdateInterrupt();
                return;
            case 2:
                _fcr = value;
                if ((value & 0x02) != 0) { _rxHead = 0; _rxCount = 0; UpdateInterrupt(); }
                return;
            case 3:
                _lcr = value;
                return;
            case 4:
                _mcr = (byte)(value & 0x1F);
                return;
            case 7:
                _scr = value;
                return;
        }
    }

    private byte InterruptIdentification()
    {
        if ((_ier & IerReceivedData) != 0 && _rxCount > 0) return IirReceivedData;
        if ((_ier & IerTransmitterEmpty) != 0 && _thrInterruptPending) return IirTransmitterEmpty;
        return IirNoInterrupt;
    }

    private void UpdateInterrupt()
    {
        var level = InterruptIdentification() != IirNoInterrupt;
        if (level == _lineLevel) return;
        _lineLevel = level;
        _irq.Set(level);
    }
}
