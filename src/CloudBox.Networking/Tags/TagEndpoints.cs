using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Networking.Api;
using CloudBox.Networking.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Networking.Tags;

/// <summary><c>/v2.0/{resources}/{id}/tags</c>: the standard-attr-tag extension on every taggable resource.</summary>
public static class TagEndpoints
{
    private const int MaxTags = 50;

    public static void Map(IEndpointRouteBuilder v2)
    {
        foreach (var type in ResourceType.All.Where(t => t != ResourceType.SecurityGroupRule))
        {
            var path = $"/{type.Path}/{{id}}/tags";
            v2.MapGet(path, (string id, HttpContext context, ResourceStore store, CancellationToken ct) => ListAsync(type, id, context, store, ct));
            v2.MapPut(path, (string id, HttpContext context, ResourceStore store, PolicyEngine policy, CancellationToken ct) =>
                ReplaceAsync(type, id, context, store, policy, ct));
            v2.MapDelete(path, (string id, HttpContext context, ResourceStore store, PolicyEngine policy, CancellationToken ct) =>
                ChangeAsync(type, id, context, store, policy, tags => tags.Clear(), ct));
            v2.MapGet(path + "/{tag}", (string id, string tag, HttpContext context, ResourceStore store, CancellationToken ct) =>
                CheckAsync(type, id, tag, context, store, ct));
            v2.MapPut(path + "/{tag}", (string id, string tag, HttpContext context, ResourceStore store, PolicyEngine policy, CancellationToken ct) =>
                ChangeAsync(type, id, context, store, policy, tags => Add(tags, tag), ct));
            v2.MapDelete(path + "/{tag}", (string id, string tag, HttpContext context, ResourceStore store, PolicyEngine policy, CancellationToken ct) =>
                ChangeAsync(type, id, context, store, policy, tags =>
                {
                    if (!tags.Remove(tag))
                        throw new NeutronFault(404, "TagNotFound", $"Tag {tag} could not be found for {type.Singular} {id}.");
                }, ct));
        }
    }

    private static async Task<JsonObject> FindAsync(ResourceType type, string id, HttpContext context, ResourceStore store, CancellationToken cancellationToken)
    {
        var caller = context.RequireCaller();
        var resource = await store.FindAsync(type, id, cancellationToken);
        if (resource is null || !(caller.CanSee(NeutronRequest.ProjectOf(resource)) || resource["shared"]?.GetValue<bool>() == true
            || resource["router:external"]?.GetValue<bool>() == true))
            throw NeutronFault.NotFound(type.Singular, id);
        return resource;
    }

    private static async Task<IResult> ListAsync(ResourceType type, string id, HttpContext context, ResourceStore store, CancellationToken cancellationToken)
    {
        var resource = await FindAsync(type, id, context, store, cancellationToken);
        return NeutronResponses.Json(new JsonObject { ["tags"] = resource["tags"]?.DeepClone() ?? new JsonArray() });
    }

    private static async Task<IResult> CheckAsync(ResourceType type, string id, string tag, HttpContext context, ResourceStore store, CancellationToken cancellationToken)
    {
        var resource = await FindAsync(type, id, context, store, cancellationToken);
        return Tags(resource).Contains(tag)
            ? Results.NoContent()
            : throw new NeutronFault(404, "TagNotFound", $"Tag {tag} could not be found for {type.Singular} {id}.");
    }

    private static async Task<IResult> ReplaceAsync(ResourceType type, string id, HttpContext context, ResourceStore store, PolicyEngine policy,
        CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        if (body["tags"] is not JsonArray requested)
            throw NeutronFault.InvalidInput("'tags' must be a list");
        var replacement = new List<string>();
        foreach (var item in requested)
        {
            if (item?.GetValueKind() != JsonValueKind.String)
                throw NeutronFault.InvalidInput("tags are strings");
            Add(replacement, item.GetValue<string>());
        }
        return await ChangeAsync(type, id, context, store, policy, tags =>
        {
            tags.Clear();
            tags.AddRange(replacement);
        }, cancellationToken, answerWithTags: true);
    }

    private static async Task<IResult> ChangeAsync(ResourceType type, string id, HttpContext context, ResourceStore store, PolicyEngine policy,
        Action<List<string>> change, CancellationToken cancellationToken, bool answerWithTags = false)
    {
        var existing = await FindAsync(type, id, context, store, cancellationToken);
        context.Authorize(policy, $"update_{type.Singular}", NeutronRequest.ProjectOf(existing));
        var tags = await store.Database.InTransactionAsync(async (connection, transaction) =>
        {
            await store.Database.LockAsync(connection, transaction, id);
            var resource = await store.FindAsync(connection, transaction, type, id) ?? throw NeutronFault.NotFound(type.Singular, id);
            var tags = Tags(resource);
            change(tags);
            resource["tags"] = new JsonArray([.. tags.Select(t => (JsonNode)t)]);
            await store.UpdateAsync(connection, transaction, type, resource);
            return tags;
        }, cancellationToken);
        return answerWithTags
            ? NeutronResponses.Json(new JsonObject { ["tags"] = new JsonArray([.. tags.Select(t => (JsonNode)t)]) })
            : Results.StatusCode(context.Request.Method == "PUT" ? StatusCodes.Status201Created : StatusCodes.Status204NoContent);
    }

    private static List<string> Tags(JsonObject resource) =>
        (resource["tags"] as JsonArray)?.Select(t => t!.GetValue<string>()).ToList() ?? [];

    private static void Add(List<string> tags, string tag)
    {
        if (tag.Length is 0 or > 255 || tag.Contains(','))
            throw NeutronFault.InvalidInput($"'{tag}' is not a valid tag: 1 to 255 characters without ','");
        if (tags.Contains(tag))
            return;
        if (tags.Count >= MaxTags)
            throw new NeutronFault(400, "TagsExhausted", $"A resource can have at most {MaxTags} tags.");
        tags.Add(tag);
    }
}
