using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CloudBox.Compute.Tests;

/// <summary>
/// Stands in for a running VMM's control socket (HTTP over a unix socket at the instance's
/// <c>api.sock</c>), answering the disk hot-plug routes with a chosen status and recording what
/// Compute sent, so the contract with the VMM is tested over the real transport.
/// </summary>
public sealed class FakeVmmControlSocket : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _path;

    private FakeVmmControlSocket(WebApplication app, string path)
    {
        _app = app;
        _path = path;
    }

    public ConcurrentQueue<(string Method, string Path, JsonObject? Body)> Requests { get; } = new();

    /// <summary>What <c>PUT /vm/disks</c> and <c>DELETE /vm/disks/{id}</c> answer (204, or 404/405 for a VMM without hot-plug).</summary>
    public int DiskStatus { get; set; } = 204;

    public static async Task<FakeVmmControlSocket> StartAsync(string socketPath)
    {
        File.Delete(socketPath);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenUnixSocket(socketPath));
        var app = builder.Build();
        var fake = new FakeVmmControlSocket(app, socketPath);
        app.MapGet("/vm", () => Results.Json(new JsonObject { ["state"] = "running" }));
        app.MapPut("/vm/disks", async (HttpContext context) =>
        {
            var body = await JsonNode.ParseAsync(context.Request.Body) as JsonObject;
            fake.Requests.Enqueue(("PUT", "/vm/disks", body));
            return Results.StatusCode(fake.DiskStatus);
        });
        app.MapDelete("/vm/disks/{id}", (string id) =>
        {
            fake.Requests.Enqueue(("DELETE", "/vm/disks/" + id, null));
            return Results.StatusCode(fake.DiskStatus);
        });
        await app.StartAsync();
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        File.Delete(_path);
    }
}
