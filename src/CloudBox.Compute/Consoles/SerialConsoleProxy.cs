using System.Net.WebSockets;
using CloudBox.Compute.Build;
using CloudBox.Compute.Drivers;
using CloudBox.Compute.Servers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Compute.Consoles;

/// <summary>
/// <c>GET /compute/serial-console?token=…</c>: a WebSocket bridged to the VM's serial port through the hypervisor
/// driver (the VMM's <c>/vm/serial</c> stream). Guest output goes out as binary messages; every message received is
/// typed into the guest. The token is the only credential and works once.
/// </summary>
internal static class SerialConsoleProxy
{
    public static void Map(IEndpointRouteBuilder compute) => compute.MapGet("/serial-console", RunAsync);

    private static async Task RunAsync(HttpContext context, ConsoleTokenStore tokens, ServerStore servers, VmDefinitions definitions, IHypervisorDriver driver,
        CancellationToken cancellationToken)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("A serial console is a WebSocket: connect with one.\n", cancellationToken);
            return;
        }
        var serverId = await tokens.ConsumeAsync(context.Request.Query["token"].ToString(), cancellationToken);
        var server = serverId is null ? null : await servers.FindAsync(serverId, cancellationToken);
        await using var serial = server is null || server.Deleted ? null : await driver.OpenSerialAsync(definitions.For(server), cancellationToken);
        var requested = context.WebSockets.WebSocketRequestedProtocols;
        using var socket = await context.WebSockets.AcceptWebSocketAsync(requested.Contains("binary") ? "binary" : null);
        if (serial is null)
        {
            var reason = serverId is null ? "The console token is unknown, used or expired." : "The instance's serial console is not available (is it running?).";
            await socket.CloseAsync(WebSocketCloseStatus.PolicyViolation, reason, cancellationToken);
            return;
        }
        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var toGuest = ToGuestAsync(socket, serial, done.Token);
        var toBrowser = ToBrowserAsync(socket, serial, done.Token);
        await Task.WhenAny(toGuest, toBrowser);
        await done.CancelAsync();
        try { await Task.WhenAll(toGuest, toBrowser); }
        catch (Exception error) when (error is OperationCanceledException or IOException or WebSocketException or ObjectDisposedException) { }
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try { await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "console closed", CancellationToken.None); }
            catch (Exception error) when (error is WebSocketException or IOException) { }
        }
    }

    private static async Task ToGuestAsync(WebSocket socket, Stream serial, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, cancellationToken);
            if (received.MessageType == WebSocketMessageType.Close) return;
            await serial.WriteAsync(buffer.AsMemory(0, received.Count), cancellationToken);
            await serial.FlushAsync(cancellationToken);
        }
    }

    private static async Task ToBrowserAsync(WebSocket socket, Stream serial, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var n = await serial.ReadAsync(buffer, cancellationToken);
            if (n == 0) return;
            await socket.SendAsync(buffer.AsMemory(0, n), WebSocketMessageType.Binary, true, cancellationToken);
        }
    }
}
