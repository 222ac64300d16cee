using System.Text.Json.Nodes;
using CloudBox.Compute.Api;
using CloudBox.Compute.Quotas;
using CloudBox.Compute.Servers;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Compute.ServerGroups;

/// <summary>
/// <c>/os-server-groups</c>: create, list (<c>all_projects</c> for admins, <c>limit</c>/<c>offset</c>),
/// show and delete. A project sees its own groups; admins see every group. The body follows the
/// microversion: <c>project_id</c>/<c>user_id</c> from 2.13, <c>policy</c>/<c>rules</c> in place of
/// <c>policies</c>/<c>metadata</c> from 2.64.
/// </summary>
public static class ServerGroupEndpoints
{
    public static void Map(IEndpointRouteBuilder v21)
    {
        v21.MapPost("/os-server-groups", CreateAsync);
        v21.MapGet("/os-server-groups", ListAsync);
        v21.MapGet("/os-server-groups/{id}", ShowAsync);
        v21.MapDelete("/os-server-groups/{id}", DeleteAsync);
    }

    private static async Task<IResult> CreateAsync(HttpContext context, ServerGroupStore groups, QuotaStore quotas, PolicyEngine policy, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:server_groups:create");
        if (caller.ProjectId is null)
            throw ApiFault.Forbidden("Creating server groups needs a project-scoped token.");
        var body = (await JsonBody.ReadObjectAsync(context.Request, cancellationToken)).RequireObject("server_group");
        foreach (var (key, _) in body)
        {
            if (key is not ("name" or "policies" or "policy" or "rules"))
                throw ApiFault.BadRequest($"Invalid input for field/attribute server_group. Additional properties are not allowed ('{key}' was unexpected)");
        }
        var name = body.RequireString("name");
        if (name.Trim().Length == 0)
            throw ApiFault.BadRequest("Invalid input for field/attribute name. The name may not be empty or only spaces.");
        var groupPolicy = ServerGroupPolicy.Parse(body, Microversions.Minor(context));
        var group = new ServerGroupRecord
        {
            Id = Identifiers.NewUuid(),
            Name = name,
            ProjectId = caller.ProjectId,
            UserId = caller.UserId,
            Policy = groupPolicy.Name,
            Rules = groupPolicy.RulesJson,
            CreatedAt = Timestamps.ToStorage(clock.GetUtcNow()),
        };
        var quota = (await quotas.LimitsAsync(caller.ProjectId, cancellationToken)).GetValueOrDefault("server_groups", -1);
        if (!await groups.CreateAsync(group, quota, cancellationToken))
            throw ApiFault.Forbidden("Quota exceeded, too many server groups.");
        // Nova answers a create with 200, not 201.
        return JsonBody.Node(new JsonObject { ["server_group"] = Json(context, group) });
    }

    private static async Task<IResult> ListAsync(HttpContext context, ServerGroupStore groups, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:server_groups:index");
        // As in Nova, all_projects from someone who may not use it lists their own project's groups.
        var all = context.Request.QueryBool("all_projects") == true && policy.IsAllowed("compute:server_groups:all_projects", caller, CloudBox.Core.Api.Policy.PolicyTarget.Empty);
        var list = await groups.ListAsync(all ? null : caller.ProjectId ?? "", cancellationToken);
        var offset = QueryCount(context, "offset") ?? 0;
        var limit = QueryCount(context, "limit") ?? int.MaxValue;
        var items = new JsonArray();
        foreach (var group in list.Skip(offset).Take(limit))
            items.Add(Json(context, group));
        return JsonBody.Node(new JsonObject { ["server_groups"] = items });
    }

    private static async Task<IResult> ShowAsync(string id, HttpContext context, ServerGroupStore groups, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:server_groups:show");
        var group = await FindVisibleAsync(id, caller, groups, cancellationToken);
        return JsonBody.Node(new JsonObject { ["server_group"] = Json(context, group) });
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, ServerGroupStore groups, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:server_groups:delete");
        var group = await FindVisibleAsync(id, caller, groups, cancellationToken);
        await groups.DeleteAsync(group.Id, cancellationToken);
        return Results.NoContent();
    }

    /// <summary>The group if the caller's project owns it (admins: any); anyone else is answered 404, as for servers.</summary>
    public static async Task<ServerGroupRecord> FindVisibleAsync(string id, CallerContext caller, ServerGroupStore groups, CancellationToken cancellationToken)
    {
        var group = await groups.FindAsync(id, cancellationToken);
        if (group is null || (group.ProjectId != caller.ProjectId && !ServerAccess.IsAdmin(caller)))
            throw ApiFault.NotFound($"Instance group {id} could not be found.");
        return group;
    }

    private static int? QueryCount(HttpContext context, string name)
    {
        if (context.Request.Query(name) is not { } text)
            return null;
        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value))
            throw ApiFault.BadRequest($"Invalid input for query parameters {name}. Value: {text}. It is not a non-negative integer.");
        return value;
    }

    private static JsonObject Json(HttpContext context, ServerGroupRecord group)
    {
        var body = new JsonObject
        {
            ["id"] = group.Id,
            ["name"] = group.Name,
        };
        var minor = Microversions.Minor(context);
        if (minor >= 64)
        {
            body["policy"] = group.Policy;
            body["rules"] = JsonNode.Parse(group.Rules);
        }
        else
        {
            body["policies"] = new JsonArray(group.Policy);
        }
        body["members"] = new JsonArray(group.Members.Select(m => (JsonNode?)m).ToArray());
        if (minor < 64)
            body["metadata"] = new JsonObject();
        if (minor >= 13)
        {
            body["project_id"] = group.ProjectId;
            body["user_id"] = group.UserId;
        }
        return body;
    }
}
