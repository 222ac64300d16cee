using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Images.Files;
using CloudBox.Images.Images;
using CloudBox.Images.Members;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Images.Import;

/// <summary>
/// The interoperable image import: <c>GET /v2/info/import</c>, <c>PUT /v2/images/{id}/stage</c>
/// (queued → uploading) and <c>POST /v2/images/{id}/import</c> (→ importing, a task the
/// worker runs), with <c>glance-direct</c> and <c>web-download</c>.
/// </summary>
public static class ImportEndpoints
{
    public const string GlanceDirect = "glance-direct";
    public const string WebDownload = "web-download";
    private static readonly string[] Methods = [GlanceDirect, WebDownload];

    public static void Map(IEndpointRouteBuilder v2)
    {
        v2.MapGet("/info/import", () => JsonBody.Node(new JsonObject
        {
            ["import-methods"] = new JsonObject
            {
                ["description"] = "Import methods available.",
                ["type"] = "array",
                ["value"] = new JsonArray(Methods.Select(m => (JsonNode?)m).ToArray()),
            },
        }));
        v2.MapPut("/images/{id}/stage", StageAsync);
        v2.MapPost("/images/{id}/import", ImportAsync);
    }

    private static async Task<IResult> StageAsync(
        string id, HttpContext context, ImageStore images, MemberStore members, ImageFileStore files, ImagesSettings settings,
        PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "image:upload_image");
        var image = await ImageEndpoints.FindVisibleAsync(id, caller, images, members, cancellationToken);
        ImageAccess.RequireModify(image, caller);
        if (!await images.TransitionAsync(id, ImageStatus.Queued, ImageStatus.Uploading, Now(clock), cancellationToken))
            throw ApiFault.Conflict($"Image status transition from {image.Status} to uploading is not allowed");
        try
        {
            var write = await ImageDataEndpoints.ReceiveAsync(context, files, settings, cancellationToken);
            files.Stage(write, id);
        }
        catch
        {
            await images.TransitionAsync(id, ImageStatus.Uploading, ImageStatus.Queued, Now(clock), CancellationToken.None);
            throw;
        }
        return Results.NoContent();
    }

    private static async Task<IResult> ImportAsync(
        string id, HttpContext context, ImageStore images, MemberStore members, TaskStore tasks, ImportSignal signal, WebDownloadClient downloads,
        PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "image:import");
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        var method = body["method"] as JsonObject ?? throw ApiFault.BadRequest("The request body needs 'method': {\"name\": …}.");
        var name = Text(method["name"]);
        if (name is null || !Methods.Contains(name))
            throw ApiFault.BadRequest($"Import method '{name}' is not supported; use one of {string.Join(", ", Methods)}.");
        if (body["stores"] is JsonArray stores && stores.Any(s => Text(s) != "local"))
            throw ApiFault.Conflict("This cloud has one image store, 'local'.");
        var image = await ImageEndpoints.FindVisibleAsync(id, caller, images, members, cancellationToken);
        ImageAccess.RequireModify(image, caller);
        if (image.DiskFormat is null || image.ContainerFormat is null)
            throw ApiFault.Conflict("Properties disk_format, container_format must be set prior to importing data.");

        string from;
        if (name == GlanceDirect)
        {
            from = ImageStatus.Uploading;
        }
        else
        {
            from = ImageStatus.Queued;
            var uri = Text(method["uri"]);
            if (uri is null || !Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
                throw ApiFault.BadRequest("web-download needs 'uri', an http or https URL.");
            // Glance's words; which filter refused it is the operator's to know.
            if (downloads.Filter.Refusal(parsed) is not null)
                throw ApiFault.BadRequest("URI for web-download does not pass filtering.");
        }
        var now = Now(clock);
        if (!await images.TransitionAsync(id, from, ImageStatus.Importing, now, cancellationToken))
            throw ApiFault.Conflict($"Image {id} is {image.Status}; the {name} import needs it {from}.");
        var input = new JsonObject { ["image_id"] = id, ["import_req"] = body.DeepClone() };
        await tasks.InsertAsync(new TaskRecord(Identifiers.NewUuid(), id, caller.ProjectId ?? "", "api_image_import", TaskStatus.Pending, input.ToJsonString(), "", now, now), cancellationToken);
        signal.Notify();
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    private static string Now(TimeProvider clock) => Timestamps.ToStorage(clock.GetUtcNow());
}
