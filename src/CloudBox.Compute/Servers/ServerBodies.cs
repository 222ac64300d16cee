using System.Text.Json;
using CloudBox.Compute.Networking;
using CloudBox.Compute.Volumes;
using CloudBox.Core.Networking;
using CloudBox.Core.Volumes;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Compute.Servers;

/// <summary>
/// The responses that carry server bodies (list, detail, show, update, rebuild). What a body needs
/// beyond the server rows (ports for <c>addresses</c>, volume attachments for
/// <c>os-extended-volumes:volumes_attached</c>) is looked up once per page, never once per server,
/// and the body is streamed to the client as it is written.
/// </summary>
public sealed class ServerBodies(ServerNetworks networks, ServerVolumes volumes)
{
    /// <summary>Written servers between two flushes to the client: the response streams without holding a page in memory.</summary>
    private const int ServersPerFlush = 64;

    /// <summary><c>{"servers": [...]}</c>, with <c>servers_links</c> when <paramref name="nextHref"/> is given.</summary>
    public async Task<IResult> ListAsync(HttpContext context, IReadOnlyList<ServerRecord> page, bool detail, bool admin, string? nextHref,
        CancellationToken cancellationToken)
    {
        var extras = detail ? await LoadAsync(page, cancellationToken) : Extras.None;
        var json = new ServerJson(context, admin);
        return new Streamed(StatusCodes.Status200OK, async (writer, flush) =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("servers");
            for (var i = 0; i < page.Count; i++)
            {
                var server = page[i];
                if (detail)
                    json.WriteDetail(writer, server, extras.Ports.GetValueOrDefault(server.Id), extras.Volumes.GetValueOrDefault(server.Id));
                else
                    json.WriteSummary(writer, server);
                if (i % ServersPerFlush == ServersPerFlush - 1)
                    await flush();
            }
            writer.WriteEndArray();
            if (nextHref is not null)
            {
                writer.WriteStartArray("servers_links");
                writer.WriteStartObject();
                writer.WriteString("rel", "next");
                writer.WriteString("href", nextHref);
                writer.WriteEndObject();
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
        });
    }

    /// <summary>
    /// <c>{"server": {...}}</c> in its detail form, the same as in the detail list; a rebuild adds
    /// the <paramref name="adminPass"/> it set.
    /// </summary>
    public async Task<IResult> OneAsync(HttpContext context, ServerRecord server, bool admin, CancellationToken cancellationToken,
        int statusCode = StatusCodes.Status200OK, string? adminPass = null)
    {
        var extras = await LoadAsync([server], cancellationToken);
        var json = new ServerJson(context, admin);
        return new Streamed(statusCode, (writer, _) =>
        {
            writer.WriteStartObject();
            writer.WritePropertyName("server");
            json.WriteDetail(writer, server, extras.Ports.GetValueOrDefault(server.Id), extras.Volumes.GetValueOrDefault(server.Id), adminPass);
            writer.WriteEndObject();
            return Task.CompletedTask;
        });
    }

    private sealed record Extras(
        IReadOnlyDictionary<string, IReadOnlyList<ServerPort>> Ports,
        IReadOnlyDictionary<string, IReadOnlyList<VolumeAttachment>> Volumes)
    {
        public static readonly Extras None = new(new Dictionary<string, IReadOnlyList<ServerPort>>(), new Dictionary<string, IReadOnlyList<VolumeAttachment>>());
    }

    /// <summary>One query for the page's ports and one for its attachments, side by side.</summary>
    private async Task<Extras> LoadAsync(IReadOnlyList<ServerRecord> page, CancellationToken cancellationToken)
    {
        if (page.Count == 0)
            return Extras.None;
        var ids = page.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        var ports = networks.ListAsync(ids, cancellationToken);
        var attachments = volumes.Attachments is { } seam
            ? seam.ListForServersAsync(ids, cancellationToken)
            : Task.FromResult(Extras.None.Volumes);
        return new Extras(await ports, await attachments);
    }

    /// <summary>A JSON body written by <paramref name="write"/> straight into the response; it may flush as it goes.</summary>
    private sealed class Streamed(int statusCode, Func<Utf8JsonWriter, Func<Task>, Task> write) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = statusCode;
            response.ContentType = "application/json";
            var pipe = response.BodyWriter;
            await using var writer = new Utf8JsonWriter(pipe, ServerJson.WriterOptions);
            await write(writer, async () =>
            {
                writer.Flush();
                await pipe.FlushAsync(httpContext.RequestAborted);
            });
            writer.Flush();
            await pipe.FlushAsync(httpContext.RequestAborted);
        }
    }
}
