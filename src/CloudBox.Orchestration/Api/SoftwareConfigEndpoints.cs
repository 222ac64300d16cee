using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Ids;
using CloudBox.Orchestration.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Orchestration.Api;

/// <summary>
/// <c>/software_configs</c>: create, list (paged: <c>limit</c>, <c>marker</c>), show and delete a
/// project's immutable software configurations, as Heat's (what <c>OS::Heat::SoftwareConfig</c>,
/// <c>CloudConfig</c> and <c>MultipartMime</c> make).
/// </summary>
internal static class SoftwareConfigEndpoints
{
    public const int MaxConfigLength = 512 * 1024;
    private const int MaxItems = 100;

    public static void Map(IEndpointRouteBuilder v1)
    {
        v1.MapPost("/software_configs", async (HttpContext c, string projectId, SoftwareConfigStore store, CancellationToken ct) =>
        {
            HeatRequest.Caller(c, projectId);
            var config = Parse(await JsonBody.ReadObjectAsync(c.Request, ct), projectId);
            await store.InsertAsync(config, ct);
            return JsonBody.Node(new JsonObject { ["software_config"] = View(config, full: true) });
        });
        v1.MapGet("/software_configs", async (HttpContext c, string projectId, SoftwareConfigStore store, CancellationToken ct) =>
        {
            HeatRequest.Caller(c, projectId);
            var limit = int.TryParse(c.Request.Query("limit"), out var l) ? Math.Clamp(l, 1, 1000) : 1000;
            var list = await store.ListAsync(projectId, c.Request.Query("marker"), limit, ct);
            return JsonBody.Node(new JsonObject { ["software_configs"] = new JsonArray(list.Select(x => (JsonNode?)View(x, full: false)).ToArray()) });
        });
        v1.MapGet("/software_configs/{id}", async (HttpContext c, string projectId, string id, SoftwareConfigStore store, CancellationToken ct) =>
        {
            var caller = HeatRequest.Caller(c, projectId);
            var config = await store.GetAsync(caller.HasRole("admin") ? null : projectId, id, ct) ?? throw NotFound(id);
            return JsonBody.Node(new JsonObject { ["software_config"] = View(config, full: true) });
        });
        v1.MapDelete("/software_configs/{id}", async (HttpContext c, string projectId, string id, SoftwareConfigStore store, CancellationToken ct) =>
        {
            var caller = HeatRequest.Caller(c, projectId);
            return await store.DeleteAsync(caller.HasRole("admin") ? null : projectId, id, ct) ? Results.NoContent() : throw NotFound(id);
        });
    }

    private static HeatFault NotFound(string id) => new(404, $"Software config with id {id} not found", "NotFound");

    private static SoftwareConfigRecord Parse(JsonObject body, string projectId)
    {
        var name = Text(body, "name", 255) ?? "";
        var group = Text(body, "group", 255) ?? "Heat::Ungrouped";
        var config = Text(body, "config", MaxConfigLength) ?? "";
        return new SoftwareConfigRecord
        {
            Id = Identifiers.NewUuid(),
            ProjectId = projectId,
            Name = name,
            ConfigGroup = group,
            Config = config,
            Inputs = List(body, "inputs"),
            Outputs = List(body, "outputs"),
            Options = body["options"] switch
            {
                null => "{}",
                JsonObject options when options.Count <= MaxItems => options.ToJsonString(),
                _ => throw new HeatFault(400, $"options must be a map of at most {MaxItems} entries.", "HTTPBadRequest"),
            },
            CreatedAt = Core.Ids.Timestamps.ToStorage(DateTimeOffset.UtcNow),
        };
    }

    private static string? Text(JsonObject body, string key, int max) => body[key] switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == System.Text.Json.JsonValueKind.String && value.ToString().Length <= max => value.ToString(),
        _ => throw new HeatFault(400, $"{key} must be a string of at most {max} characters.", "HTTPBadRequest"),
    };

    private static string List(JsonObject body, string key) => body[key] switch
    {
        null => "[]",
        JsonArray list when list.Count <= MaxItems && list.All(i => i is JsonObject o && o["name"] is JsonValue) => list.ToJsonString(),
        _ => throw new HeatFault(400, $"{key} must be a list of at most {MaxItems} maps, each with a name.", "HTTPBadRequest"),
    };

    public static JsonObject View(SoftwareConfigRecord config, bool full)
    {
        var json = new JsonObject
        {
            ["id"] = config.Id,
            ["name"] = config.Name,
            ["group"] = config.ConfigGroup,
            ["creation_time"] = StackViews.Time(config.CreatedAt),
        };
        if (!full)
            return json;
        json["config"] = config.Config;
        json["inputs"] = JsonNode.Parse(config.Inputs);
        json["outputs"] = JsonNode.Parse(config.Outputs);
        json["options"] = JsonNode.Parse(config.Options);
        json["project"] = config.ProjectId;
        return json;
    }
}
