using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Telemetry.Indexer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Telemetry.Api;

/// <summary><c>/v1/resource_type</c>: custom types with typed attributes; JSON-patch add/remove of attributes.</summary>
internal static class ResourceTypeEndpoints
{
    public static void Map(IEndpointRouteBuilder v1)
    {
        v1.MapGet("/resource_type", ListAsync);
        v1.MapPost("/resource_type", CreateAsync);
        v1.MapGet("/resource_type/{name}", GetAsync);
        v1.MapMethods("/resource_type/{name}", ["PATCH"], PatchAsync);
        v1.MapDelete("/resource_type/{name}", DeleteAsync);
    }

    public static ApiFault NotFound(string name) => ApiFault.NotFound($"Resource type {name} does not exist");

    private static async Task<IResult> ListAsync(HttpContext context, ResourceTypeStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "metric:get_resource_type");
        var list = new JsonArray();
        foreach (var type in await store.ListAsync(cancellationToken))
            list.Add(type.ToJson());
        return JsonBody.Node(list);
    }

    private static async Task<IResult> GetAsync(string name, HttpContext context, ResourceTypeStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "metric:get_resource_type");
        var type = await store.FindAsync(name, cancellationToken) ?? throw NotFound(name);
        return JsonBody.Node(type.ToJson());
    }

    private static JsonObject ParseAttributes(JsonNode? node)
    {
        var result = new JsonObject();
        if (node is null)
            return result;
        if (node is not JsonObject attributes)
            throw ApiFault.BadRequest("Invalid input: attributes must be a dictionary");
        foreach (var (name, definition) in attributes)
        {
            try
            {
                result[name] = ResourceType.NormaliseAttribute(name, definition);
            }
            catch (Exception error) when (error is ArgumentException or InvalidOperationException or FormatException)
            {
                throw ApiFault.BadRequest("Invalid input: " + error.Message);
            }
        }
        return result;
    }

    private static async Task<IResult> CreateAsync(HttpContext context, ResourceTypeStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "metric:create_resource_type");
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        var name = body["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name) || name.Length > 255 || name.Any(c => !char.IsLetterOrDigit(c) && c is not '_' and not '-'))
            throw ApiFault.BadRequest("Invalid input: a resource type name of letters, digits, '_' and '-' is required");
        var type = new ResourceType(name, "active", ParseAttributes(body["attributes"]));
        if (!await store.InsertAsync(type, cancellationToken))
            throw ApiFault.Conflict($"Resource type {name} already exists");
        context.Response.Headers.Location = $"{context.Request.PathBase}/v1/resource_type/{name}";
        return JsonBody.Node(type.ToJson(), StatusCodes.Status201Created);
    }

    private static async Task<IResult> PatchAsync(string name, HttpContext context, ResourceTypeStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "metric:update_resource_type");
        var type = await store.FindAsync(name, cancellationToken) ?? throw NotFound(name);
        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: cancellationToken);
        }
        catch (System.Text.Json.JsonException error)
        {
            throw ApiFault.BadRequest("Malformed request body: " + error.Message);
        }
        if (body is not JsonArray operations)
            throw ApiFault.BadRequest("Invalid input: a JSON patch (a list of operations) is expected");
        var attributes = type.Attributes.DeepClone().AsObject();
        foreach (var operation in operations)
        {
            var op = operation?["op"]?.GetValue<string>();
            var path = operation?["path"]?.GetValue<string>() ?? "";
            if (!path.StartsWith("/attributes/", StringComparison.Ordinal))
                throw ApiFault.BadRequest($"Invalid input: only /attributes/<name> can be patched, not {path}");
            var attribute = path["/attributes/".Length..];
            switch (op)
            {
                case "add":
                    try
                    {
                        attributes[attribute] = ResourceType.NormaliseAttribute(attribute, operation!["value"]);
                    }
                    catch (Exception error) when (error is ArgumentException or InvalidOperationException or FormatException)
                    {
                        throw ApiFault.BadRequest("Invalid input: " + error.Message);
                    }
                    break;
                case "remove":
                    if (!attributes.Remove(attribute))
                        throw ApiFault.BadRequest($"Invalid input: attribute {attribute} does not exist");
                    break;
                default:
                    throw ApiFault.BadRequest($"Invalid input: operation {op} is not supported");
            }
        }
        await store.UpdateAttributesAsync(name, attributes, cancellationToken);
        return JsonBody.Node((type with { Attributes = attributes }).ToJson());
    }

    private static async Task<IResult> DeleteAsync(string name, HttpContext context, ResourceTypeStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "metric:delete_resource_type");
        if (name == "generic")
            throw ApiFault.BadRequest("Resource type generic cannot be deleted");
        return await store.DeleteAsync(name, cancellationToken) switch
        {
            null => throw NotFound(name),
            false => throw ApiFault.BadRequest($"Resource type {name} is still in use"),
            true => Results.NoContent(),
        };
    }
}
