using System.Net.Sockets;
using System.Text;

namespace CloudBox.Compute.Drivers;

/// <summary>
/// Opens a running VMM's serial stream: <c>GET /vm/serial</c> on its control socket, answered
/// <c>101 Switching Protocols</c>, after which the connection carries the serial port's bytes both ways.
/// </summary>
public static class VmmSerialClient
{
    private const int MaxHeaderBytes = 4096;

    /// <summary>The stream, or null when no VMM answers or it has no serial stream.</summary>
    public static async Task<Stream?> OpenAsync(string socketPath, CancellationToken cancellationToken)
    {
        if (!File.Exists(socketPath)) return null;
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
            var stream = new NetworkStream(socket, ownsSocket: true);
            await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /vm/serial HTTP/1.1\r\nHost: vmm\r\nConnection: Upgrade\r\nUpgrade: cloudbox-serial\r\n\r\n"), cancellationToken);
            var header = new List<byte>(128);
            var one = new byte[1];
            while (!(header.Count >= 4 && header[^4] == '\r' && header[^3] == '\n' && header[^2] == '\r' && header[^1] == '\n'))
            {
                if (await stream.ReadAsync(one, cancellationToken) == 0 || header.Count > MaxHeaderBytes)
                {
                    await stream.DisposeAsync();
                    return null;
                }
                header.Add(one[0]);
            }
            if (!Encoding.ASCII.GetString(header.ToArray()).StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
            {
                await stream.DisposeAsync();
                return null;
            }
            return stream;
        }
        catch (Exception error) when (error is SocketException or IOException)
        {
            socket.Dispose();
            return null;
        }
    }
}
