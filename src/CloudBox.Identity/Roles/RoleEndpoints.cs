using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Identity.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Identity.Roles;

/// <summary><c>/v3/roles</c>, implied roles (<c>/v3/roles/{prior}/implies/{implied}</c>) and <c>/v3/role_inferences</c>.</summary>
public static class RoleEndpoints
{
    public static void Map(IEndpointRouteBuilder v3)
    {
        v3.MapGet("/roles", ListAsync);
        v3.MapPost("/roles", CreateAsync);
        v3.MapGet("/roles/{id}", GetAsync);
        v3.MapMethods("/roles/{id}", ["PATCH"], UpdateAsync);
        v3.MapDelete("/roles/{id}", DeleteAsync);
        v3.MapGet("/roles/{priorId}/implies", ListImpliesAsync);
        v3.MapPut("/roles/{priorId}/implies/{impliedId}", AddImplyAsync);
        v3.MapMethods("/roles/{priorId}/implies/{impliedId}", ["GET", "HEAD"], GetImplyAsync);
        v3.MapDelete("/roles/{priorId}/implies/{impliedId}", RemoveImplyAsync);
        v3.MapGet("/role_inferences", ListInferencesAsync);
    }

    public static JsonObject ToJson(RoleRecord role, HttpRequest request) => new()
    {
        ["id"] = role.Id,
        ["name"] = role.Name,
        ["domain_id"] = role.DomainId,
        ["description"] = role.Description,
        ["options"] = new JsonObject(),
        ["links"] = KeystoneResponses.Links($"{IdentityUrls.V3(request)}/roles/{role.Id}"),
    };

    private static JsonObject Brief(RoleRecord role, HttpRequest request) => new()
    {
        ["id"] = role.Id,
        ["name"] = role.Name,
        ["links"] = KeystoneResponses.Links($"{IdentityUrls.V3(request)}/roles/{role.Id}"),
    };

    private static async Task<IResult> ListAsync(HttpContext context, RoleStore roles, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var domainId = context.Request.Query("domain_id");
        context.Authorize(policy, domainId is null ? "identity:list_roles" : "identity:list_domain_roles", new PolicyTarget().Set("target.domain_id", domainId));
        var found = await roles.ListAsync(context.Request.Query("name"), domainId, cancellationToken);
        return KeystoneResponses.Collection(context.Request, "roles", found.Select(r => ToJson(r, context.Request)));
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, RoleStore roles, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:get_role");
        return KeystoneResponses.Single("role", ToJson(await roles.GetAsync(id, cancellationToken), context.Request));
    }

    private static async Task<IResult> CreateAsync(HttpContext context, RoleStore roles, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:create_role");
        var body = (await JsonBody.ReadObjectAsync(context.Request, cancellationToken)).RequireObject("role");
        var role = new RoleRecord
        {
            Id = Identifiers.NewHexId(),
            Name = body.RequireString("name"),
            DomainId = body.OptionalString("domain_id"),
            Description = body.OptionalString("description", 65535) ?? "",
            CreatedAt = IdentityRequest.Now(clock),
        };
        await roles.CreateAsync(role, cancellationToken);
        return KeystoneResponses.Single("role", ToJson(role, context.Request), StatusCodes.Status201Created);
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext context, RoleStore roles, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:update_role");
        var role = await roles.GetAsync(id, cancellationToken);
        var body = (await JsonBody.ReadObjectAsync(context.Request, cancellationToken)).RequireObject("role");
        if (body.Has("domain_id") && body.OptionalString("domain_id") != role.DomainId)
            throw ApiFault.BadRequest("Update of `domain_id` is not allowed.");
        role.Name = body.OptionalString("name") ?? role.Name;
        role.Description = body.OptionalString("description", 65535) ?? role.Description;
        await roles.UpdateAsync(role, cancellationToken);
        return KeystoneResponses.Single("role", ToJson(role, context.Request));
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, RoleStore roles, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:delete_role");
        _ = await roles.GetAsync(id, cancellationToken);
        await roles.DeleteAsync(id, cancellationToken);
        return Results.NoContent();
    }

    private static async Task<IResult> ListImpliesAsync(string priorId, HttpContext context, RoleStore roles, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:list_implied_roles");
        var prior = await roles.GetAsync(priorId, cancellationToken);
        var implied = new JsonArray();
        foreach (var (p, i) in await roles.ListImpliesAsync(cancellationToken))
        {
            if (p == priorId && await roles.FindAsync(i, cancellationToken) is { } role)
                implied.Add(Brief(role, context.Request));
        }
        return KeystoneResponses.Json(new JsonObject
        {
            ["role_inference"] = new JsonObject { ["prior_role"] = Brief(prior, context.Request), ["implies"] = implied },
            ["links"] = KeystoneResponses.Links($"{IdentityUrls.V3(context.Request)}/roles/{priorId}/implies"),
        });
    }

    private static async Task<IResult> AddImplyAsync(string priorId, string impliedId, HttpContext context, RoleStore roles, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:create_implied_role");
        var prior = await roles.GetAsync(priorId, cancellationToken);
        var implied = await roles.GetAsync(impliedId, cancellationToken);
        if (priorId == impliedId || await ImpliesAsync(roles, impliedId, priorId, cancellationToken))
            throw ApiFault.Forbidden($"{prior.Name} implying {implied.Name} would make a cycle of implied roles.");
        await roles.AddImplyAsync(priorId, impliedId, cancellationToken);
        return KeystoneResponses.Json(Inference(prior, implied, context.Request), StatusCodes.Status201Created);
    }

    private static async Task<IResult> GetImplyAsync(string priorId, string impliedId, HttpContext context, RoleStore roles, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:get_implied_role");
        var prior = await roles.GetAsync(priorId, cancellationToken);
        var implied = await roles.GetAsync(impliedId, cancellationToken);
        var rules = await roles.ListImpliesAsync(cancellationToken);
        if (!rules.Contains((priorId, impliedId)))
            throw ApiFault.NotFound($"{prior.Name} does not imply {implied.Name}.");
        return KeystoneResponses.Json(Inference(prior, implied, context.Request));
    }

    private static async Task<IResult> RemoveImplyAsync(string priorId, string impliedId, HttpContext context, RoleStore roles, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:delete_implied_role");
        if (!await roles.RemoveImplyAsync(priorId, impliedId, cancellationToken))
            throw ApiFault.NotFound($"Role {priorId} does not imply role {impliedId}.");
        return Results.NoContent();
    }

    private static async Task<IResult> ListInferencesAsync(HttpContext context, RoleStore roles, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:list_role_inference_rules");
        var all = (await roles.ListAllAsync(cancellationToken)).ToDictionary(r => r.Id);
        var inferences = new JsonArray();
        foreach (var group in (await roles.ListImpliesAsync(cancellationToken)).GroupBy(r => r.PriorRoleId))
        {
            var implied = new JsonArray();
            foreach (var (_, impliedId) in group)
                implied.Add(Brief(all[impliedId], context.Request));
            inferences.Add(new JsonObject { ["prior_role"] = Brief(all[group.Key], context.Request), ["implies"] = implied });
        }
        return KeystoneResponses.Json(new JsonObject
        {
            ["role_inferences"] = inferences,
            ["links"] = KeystoneResponses.Links($"{IdentityUrls.V3(context.Request)}/role_inferences"),
        });
    }

    private static JsonObject Inference(RoleRecord prior, RoleRecord implied, HttpRequest request) => new()
    {
        ["role_inference"] = new JsonObject { ["prior_role"] = Brief(prior, request), ["implies"] = Brief(implied, request) },
        ["links"] = KeystoneResponses.Links($"{IdentityUrls.V3(request)}/roles/{prior.Id}/implies/{implied.Id}"),
    };

    /// <summary>Whether <paramref name="from"/> already implies <paramref name="to"/>, directly or through others.</summary>
    private static async Task<bool> ImpliesAsync(RoleStore roles, string from, string to, CancellationToken cancellationToken)
    {
        var rules = await roles.ListImpliesAsync(cancellationToken);
        var seen = new HashSet<string>();
        var pending = new Stack<string>([from]);
        while (pending.Count > 0)
        {
            var current = pending.Pop();
            if (current == to)
                return true;
            if (!seen.Add(current))
                continue;
            foreach (var (prior, implied) in rules)
            {
                if (prior == current)
                    pending.Push(implied);
            }
        }
        return false;
    }
}
