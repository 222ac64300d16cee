using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Policy;
using CloudBox.Identity.Api;
using CloudBox.Identity.Assignments;
using CloudBox.Identity.Catalog;
using CloudBox.Identity.Domains;
using CloudBox.Identity.Projects;
using CloudBox.Identity.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Identity.Auth;

/// <summary><c>/v3/auth/…</c>: issue, validate, check and revoke tokens; what a token gives access to.</summary>
public static class AuthEndpoints
{
    public const string SubjectTokenHeader = "X-Subject-Token";

    public static void Map(IEndpointRouteBuilder v3)
    {
        v3.MapPost("/auth/tokens", IssueAsync);
        v3.MapGet("/auth/tokens", ValidateAsync);
        v3.MapMethods("/auth/tokens", ["HEAD"], CheckAsync);
        v3.MapDelete("/auth/tokens", RevokeAsync);
        v3.MapGet("/auth/catalog", CatalogAsync);
        v3.MapGet("/auth/projects", ProjectsAsync);
        v3.MapGet("/auth/domains", DomainsAsync);
        v3.MapGet("/auth/system", SystemAsync);
    }

    private static async Task IssueAsync(HttpContext context, Authenticator authenticator, TokenService tokens, ServiceCatalog catalog, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        var auth = body.RequireObject("auth");
        var user = await authenticator.AuthenticateAsync(auth.RequireObject("identity"), cancellationToken);
        var (scope, scopeId) = await authenticator.ResolveScopeAsync(auth, user, cancellationToken);
        var issued = await tokens.IssueAsync(user.Methods, user.UserId, scope, scopeId, user.ApplicationCredentialId, user.ParentToken, user.ExpiresAt, cancellationToken);

        var withCatalog = !context.Request.Query.ContainsKey("nocatalog") && scope != TokenScope.Unscoped;
        var bytes = TokenBodyWriter.Write(issued.Payload, issued.Access, withCatalog ? await catalog.GetJsonAsync(issued.Access.ProjectId, cancellationToken) : (ReadOnlyMemory<byte>?)null);
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers[SubjectTokenHeader] = issued.Token;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(bytes, cancellationToken);
    }

    private static async Task ValidateAsync(HttpContext context, TokenService tokens, ServiceCatalog catalog, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var (payload, access) = await SubjectAsync(context, tokens, policy, "identity:validate_token", cancellationToken);
        var withCatalog = !context.Request.Query.ContainsKey("nocatalog") && (access.ProjectId is not null || access.DomainId is not null || access.System);
        var bytes = TokenBodyWriter.Write(payload, access, withCatalog ? await catalog.GetJsonAsync(access.ProjectId, cancellationToken) : (ReadOnlyMemory<byte>?)null);
        context.Response.Headers[SubjectTokenHeader] = context.Request.Headers[SubjectTokenHeader].ToString();
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(bytes, cancellationToken);
    }

    private static async Task<IResult> CheckAsync(HttpContext context, TokenService tokens, PolicyEngine policy, CancellationToken cancellationToken)
    {
        await SubjectAsync(context, tokens, policy, "identity:check_token", cancellationToken);
        return Results.Ok();
    }

    private static async Task<IResult> RevokeAsync(HttpContext context, TokenService tokens, RevocationList revocations, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var (payload, _) = await SubjectAsync(context, tokens, policy, "identity:revoke_token", cancellationToken);
        await revocations.RevokeAuditIdAsync(payload.AuditId, cancellationToken);
        return Results.NoContent();
    }

    private static async Task<(TokenPayload Payload, ResolvedAccess Access)> SubjectAsync(
        HttpContext context, TokenService tokens, PolicyEngine policy, string action, CancellationToken cancellationToken)
    {
        var caller = context.RequireCaller();
        var subject = context.Request.Headers[SubjectTokenHeader].ToString();
        if (subject.Length == 0)
            throw ApiFault.BadRequest($"Expecting to find {SubjectTokenHeader} in the request headers.");
        var allowExpired = context.Request.Query["allow_expired"].ToString() is "1" or "true" or "True";
        var checkedToken = await tokens.CheckAsync(subject, allowExpired, cancellationToken);
        if (checkedToken is null)
        {
            // Only someone allowed to check any token learns that this one is invalid.
            policy.Enforce(action, caller, new PolicyTarget().Set("target.token.user_id", null));
            throw ApiFault.NotFound("Could not find token.");
        }
        policy.Enforce(action, caller, new PolicyTarget().Set("target.token.user_id", checkedToken.Value.Payload.UserId));
        return checkedToken.Value;
    }

    private static async Task CatalogAsync(HttpContext context, ServiceCatalog catalog, CancellationToken cancellationToken)
    {
        var caller = context.RequireCaller();
        if (caller.IsUnscoped)
            throw ApiFault.Forbidden("The service catalog is only available with a scoped token.");
        var json = await catalog.GetJsonAsync(caller.ProjectId, cancellationToken);
        var self = IdentityUrls.V3(context.Request) + "/auth/catalog";
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync("{\"catalog\":", cancellationToken);
        await context.Response.Body.WriteAsync(json, cancellationToken);
        await context.Response.WriteAsync($",\"links\":{{\"self\":\"{self}\",\"previous\":null,\"next\":null}}}}", cancellationToken);
    }

    private static async Task<IResult> ProjectsAsync(HttpContext context, ProjectStore projects, AssignmentStore assignments,
        Groups.GroupStore groups, EffectiveRoles effectiveRoles, CancellationToken cancellationToken)
    {
        var caller = context.RequireCaller();
        var candidates = await ProjectsWithAnyAssignmentAsync(caller.UserId, projects, assignments, groups, cancellationToken);
        var visible = new List<JsonObject>();
        foreach (var project in candidates)
        {
            if (project.Enabled && (await effectiveRoles.OnProjectAsync(caller.UserId, project, cancellationToken)).Count > 0)
                visible.Add(Projects.ProjectEndpoints.ToJson(project, context.Request));
        }
        return KeystoneResponses.Collection(context.Request, "projects", visible);
    }

    /// <summary>Projects the user (or a group of theirs) holds a role on, directly or inherited from a domain or ancestor.</summary>
    internal static async Task<IReadOnlyList<ProjectRecord>> ProjectsWithAnyAssignmentAsync(string userId, ProjectStore projects,
        AssignmentStore assignments, Groups.GroupStore groups, CancellationToken cancellationToken)
    {
        var actors = new List<string> { userId };
        actors.AddRange(await groups.GroupIdsOfUserAsync(userId, cancellationToken));
        var held = await assignments.ListAsync(actorIds: actors, cancellationToken: cancellationToken);
        var direct = held.Where(a => a.TargetType == TargetType.Project && !a.Inherited).Select(a => a.TargetId).ToHashSet();
        var inheritedDomains = held.Where(a => a.TargetType == TargetType.Domain && a.Inherited).Select(a => a.TargetId).ToHashSet();
        var inheritedProjects = held.Where(a => a.TargetType == TargetType.Project && a.Inherited).Select(a => a.TargetId).ToHashSet();
        if (inheritedDomains.Count == 0 && inheritedProjects.Count == 0)
            return await projects.ListAsync(new ProjectFilter(Ids: [.. direct]), cancellationToken);

        var result = new List<ProjectRecord>();
        foreach (var project in await projects.ListAsync(new ProjectFilter(), cancellationToken))
        {
            if (direct.Contains(project.Id) || inheritedDomains.Contains(project.DomainId))
            {
                result.Add(project);
                continue;
            }
            foreach (var ancestor in await projects.AncestorIdsAsync(project.Id, cancellationToken))
            {
                if (inheritedProjects.Contains(ancestor))
                {
                    result.Add(project);
                    break;
                }
            }
        }
        return result;
    }

    private static async Task<IResult> DomainsAsync(HttpContext context, DomainStore domains, AssignmentStore assignments, Groups.GroupStore groups, CancellationToken cancellationToken)
    {
        var caller = context.RequireCaller();
        var actors = new List<string> { caller.UserId };
        actors.AddRange(await groups.GroupIdsOfUserAsync(caller.UserId, cancellationToken));
        var held = await assignments.ListAsync(actorIds: actors, targetType: TargetType.Domain, inherited: false, cancellationToken: cancellationToken);
        var ids = held.Select(a => a.TargetId).ToHashSet();
        var visible = (await domains.ListAsync(null, true, cancellationToken)).Where(d => ids.Contains(d.Id)).Select(d => Domains.DomainEndpoints.ToJson(d, context.Request));
        return KeystoneResponses.Collection(context.Request, "domains", visible);
    }

    private static async Task<IResult> SystemAsync(HttpContext context, EffectiveRoles effectiveRoles, CancellationToken cancellationToken)
    {
        var caller = context.RequireCaller();
        var roles = await effectiveRoles.OnSystemAsync(caller.UserId, cancellationToken);
        var system = new JsonArray();
        if (roles.Count > 0)
            system.Add(new JsonObject { ["all"] = true });
        return KeystoneResponses.Json(new JsonObject
        {
            ["system"] = system,
            ["links"] = KeystoneResponses.Links(IdentityUrls.V3(context.Request) + "/auth/system"),
        });
    }
}
