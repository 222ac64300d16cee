using CloudBox.Linux.Events;
using CloudBox.Linux.Files;

namespace CloudBox.Hypervisor.Devices.Legacy;

/// <summary>Feeds standard input to the current boot's UART, on its own thread, holding back while the guest's FIFO is full.</summary>
public sealed class ConsoleInput : IDisposable
{
    private const int StandardInput = 0;
    private readonly VmmHost _host;
    private readonly Thread _thread;
    private volatile bool _stopping;

    private ConsoleInput(VmmHost host)
    {
        _host = host;
        _thread = new Thread(Loop) { Name = "console-input", IsBackground = true };
    }

    public static ConsoleInput Start(VmmHost host)
    {
        var input = new ConsoleInput(host);
        input._thread.Start();
        return input;
    }

    private void Loop()
    {
        var buffer = new byte[64];
        try
        {
            while (!_stopping)
            {
                if (!PollWait.Readable(StandardInput, 200)) continue;
                var n = LinuxFile.Read(StandardInput, buffer);
                if (n <= 0) return; // end of input: the guest keeps running without a keyboard
                var pending = buffer.AsSpan(0, n);
                while (pending.Length > 0 && !_stopping)
                {
                    var serial = _host.Current?.Serial;
                    if (serial == null || !serial.CanAccept) { Thread.Sleep(5); continue; }
                    pending = pending[serial.Enqueue(pending)..];
                }
            }
        }
        catch (Linux.LinuxException)
        {
            // stdin closed or not pollable: no console input.
        }
    }

    public void Dispose() => _stopping = true;
}
