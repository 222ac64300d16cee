using System.Text;

namespace CloudBox.Hypervisor.ControlApi;

/// <summary>
/// <c>GET /vm/serial</c>: answers <c>101 Switching Protocols</c> and turns the connection into the serial port itself:
/// bytes read are the guest's output from now on, bytes written go into the UART's receive FIFO (raising its
/// interrupt), held back while the guest has not drained it. Several clients may attach; each sees all output.
/// Only socket reads and writes: no new system calls for the VMM's seccomp filter.
/// </summary>
public static class VmSerialEndpoint
{
    public const string Path = "/vm/serial";

    private static readonly byte[] SwitchingProtocols = Encoding.ASCII.GetBytes(
        "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: cloudbox-serial\r\n\r\n");

    public static async Task RunAsync(VmmHost host, Stream stream, CancellationToken stopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var reader = host.SerialOutput.Attach();
        try
        {
            await stream.WriteAsync(SwitchingProtocols, linked.Token);
            await stream.FlushAsync(linked.Token);
            var output = PumpOutputAsync(reader, stream, linked.Token);
            var input = PumpInputAsync(host, stream, linked.Token);
            await Task.WhenAny(output, input);
            linked.Cancel();
            try { await Task.WhenAll(output, input); }
            catch (Exception error) when (error is OperationCanceledException or IOException or ObjectDisposedException) { }
        }
        finally
        {
            host.SerialOutput.Detach(reader);
        }
    }

    private static async Task PumpOutputAsync(Devices.Legacy.SerialFanout.Reader reader, Stream stream, CancellationToken cancellation)
    {
        var buffer = new byte[Devices.Legacy.SerialFanout.Reader.BufferSize];
        while (!cancellation.IsCancellationRequested)
        {
            var n = await reader.ReadAsync(buffer, cancellation);
            await stream.WriteAsync(buffer.AsMemory(0, n), cancellation);
        }
    }

    private static async Task PumpInputAsync(VmmHost host, Stream stream, CancellationToken cancellation)
    {
        var buffer = new byte[256];
        while (true)
        {
            var n = await stream.ReadAsync(buffer, cancellation);
            if (n == 0) return; // the client closed its side
            var pending = buffer.AsMemory(0, n);
            while (pending.Length > 0)
            {
                var serial = host.Current?.Serial;
                if (serial is null || !serial.CanAccept)
                {
                    await Task.Delay(5, cancellation);
                    continue;
                }
                pending = pending[serial.Enqueue(pending.Span)..];
            }
        }
    }
}
