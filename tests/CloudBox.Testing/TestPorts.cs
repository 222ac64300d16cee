using System.Net;
using System.Net.Sockets;

namespace CloudBox.Testing;

/// <summary>
/// Loopback ports for test servers, taken below Linux's ephemeral range (32768-60999). A port the kernel
/// hands out for "port 0" and that is free when checked can be taken, before the server binds it, by
/// any outgoing connection (a client, a database pool), which draws from the ephemeral range; a port
/// below it can only be taken by another server, and one that another test server holds fails the
/// check here.
/// </summary>
public static class TestPorts
{
    private const int First = 20_000;
    private const int Last = 32_000;

    public static int Next()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(First, Last);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Held by another test server: draw again.
            }
        }
        throw new InvalidOperationException($"no free loopback port between {First} and {Last} after 200 draws");
    }
}
