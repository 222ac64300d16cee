using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CloudBox.Compute.Tests;

/// <summary>
/// Stands in for a running VMM's control socket (HTTP over a unix socket at the instance's
/// <c>api.sock</c>), answering the disk and NIC hot-plug routes with a chosen status and recording what
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

    /// <summary>How long <c>DELETE /vm/disks/{id}</c> takes, as a VMM waiting for the guest to release the disk.</summary>
    public TimeSpan DiskUnplugDelay { get; set; }

    /// <summary>What <c>PUT /vm/nets</c> and <c>DELETE /vm/nets/{id}</c> answer.</summary>
    public int NetStatus { get; set; } = 204;

    /// <summary>The NIC ids <c>GET /vm</c> lists: those the VM booted with, plus plugs and minus unplugs that succeeded.</summary>
    public ConcurrentDictionary<string, string> Nets { get; } = new();

    public static async Task<FakeVmmControlSocket> StartAsync(string socketPath)
    {
        File.Delete(socketPath);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // A connection that hands the VMM a descriptor (a volume file, a tap) starts with one NUL byte carrying it
        // (SCM_RIGHTS), before the HTTP request, as VmmControlClient sends it: the fake takes that byte off.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenUnixSocket(socketPath, listen => listen.Use(next => async connection =>
        {
            var input = connection.Transport.Input;
            var read = await input.ReadAsync();
            var buffer = read.Buffer;
            if (buffer.Length > 0 && buffer.FirstSpan[0] == 0)
                input.AdvanceTo(buffer.GetPosition(1));
            else
                input.AdvanceTo(buffer.Start);
            await next(connection);
        })));
        var app = builder.Build();
        var fake = new FakeVmmControlSocket(app, socketPath);
        app.MapGet("/vm", () => Results.Json(new JsonObject
        {
            ["state"] = "running",
            ["nets"] = new JsonArray([.. fake.Nets.Select(n => (JsonNode)new JsonObject { ["id"] = n.Key, ["tap"] = n.Key, ["mac"] = n.Value })]),
        }));
        app.MapPut("/vm/nets", async (HttpContext context) =>
        {
            var body = await JsonNode.ParseAsync(context.Request.Body) as JsonObject;
            fake.Requests.Enqueue(("PUT", "/vm/nets", body));
            if (fake.NetStatus == 204)
                fake.Nets[body!["id"]!.GetValue<string>()] = body["mac"]!.GetValue<string>();
            return Results.StatusCode(fake.NetStatus);
        });
        app.MapDelete("/vm/nets/{id}", (string id) =>
        {
            fake.Requests.Enqueue(("DELETE", "/vm/nets/" + id, null));
            if (fake.NetStatus == 204 && !fake.Nets.TryRemove(id, out _))
                return Results.StatusCode(404);
            return Results.StatusCode(fake.NetStatus);
        });
        app.MapPut("/vm/disks", async (HttpContext context) =>
        {
            var body = await JsonNode.ParseAsync(context.Request.Body) as JsonObject;
            fake.Requests.Enqueue(("PUT", "/vm/disks", body));
            return Results.StatusCode(fake.DiskStatus);
        });
        app.MapDelete("/vm/disks/{id}", async (string id) =>
        {
            await Task.Delay(fake.DiskUnplugDelay);
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
