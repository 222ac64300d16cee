using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Identity.Api;
using CloudBox.Identity.Domains;
using CloudBox.Identity.Users;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Identity.Groups;

/// <summary><c>/v3/groups</c> and membership.</summary>
public static class GroupEndpoints
{
    public static void Map(IEndpointRouteBuilder v3)
    {
        v3.MapGet("/groups", ListAsync);
        v3.MapPost("/groups", CreateAsync);
        v3.MapGet("/groups/{id}", GetAsync);
        v3.MapMethods("/groups/{id}", ["PATCH"], UpdateAsync);
        v3.MapDelete("/groups/{id}", DeleteAsync);
        v3.MapGet("/groups/{id}/users", ListMembersAsync);
        v3.MapPut("/groups/{id}/users/{userId}", AddMemberAsync);
        v3.MapMethods("/groups/{id}/users/{userId}", ["HEAD", "GET"], CheckMemberAsync);
        v3.MapDelete("/groups/{id}/users/{userId}", RemoveMemberAsync);
    }

    public static JsonObject ToJson(GroupRecord group, HttpRequest request) => new()
    {
        ["id"] = group.Id,
        ["name"] = group.Name,
        ["domain_id"] = group.DomainId,
        ["description"] = group.Description,
        ["links"] = KeystoneResponses.Links($"{IdentityUrls.V3(request)}/groups/{group.Id}"),
    };

    private static PolicyTarget Target(GroupRecord group) =>
        new PolicyTarget().Set("target.group.id", group.Id).Set("target.group.domain_id", group.DomainId);

    private static async Task<IResult> ListAsync(HttpContext context, GroupStore groups, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var domainId = context.Request.Query("domain_id");
        context.Authorize(policy, "identity:list_groups", new PolicyTarget().Set("target.domain_id", domainId));
        var found = await groups.ListAsync(context.Request.Query("name"), domainId, null, cancellationToken);
        return KeystoneResponses.Collection(context.Request, "groups", found.Select(g => ToJson(g, context.Request)));
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, GroupStore groups, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var group = await groups.GetAsync(id, cancellationToken);
        context.Authorize(policy, "identity:get_group", Target(group));
        return KeystoneResponses.Single("group", ToJson(group, context.Request));
    }

    private static async Task<IResult> CreateAsync(HttpContext context, GroupStore groups, DomainStore domains, PolicyEngine policy,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var body = (await JsonBody.ReadObjectAsync(context.Request, cancellationToken)).RequireObject("group");
        var caller = context.RequireCaller();
        var group = new GroupRecord
        {
            Id = Identifiers.NewHexId(),
            Name = body.RequireString("name", 64),
            DomainId = body.OptionalString("domain_id") ?? caller.ProjectDomainId ?? caller.DomainId ?? DomainRecord.DefaultId,
            Description = body.OptionalString("description", 65535) ?? "",
            CreatedAt = IdentityRequest.Now(clock),
        };
        context.Authorize(policy, "identity:create_group", Target(group));
        _ = await domains.FindAsync(group.DomainId, cancellationToken) ?? throw ApiFault.NotFound($"Could not find domain: {group.DomainId}.");
        await groups.CreateAsync(group, cancellationToken);
        return KeystoneResponses.Single("group", ToJson(group, context.Request), StatusCodes.Status201Created);
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext context, GroupStore groups, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var group = await groups.GetAsync(id, cancellationToken);
        context.Authorize(policy, "identity:update_group", Target(group));
        var body = (await JsonBody.ReadObjectAsync(context.Request, cancellationToken)).RequireObject("group");
        if (body.OptionalString("domain_id") is { } domainId && domainId != group.DomainId)
            throw ApiFault.BadRequest("Update of `domain_id` is not allowed.");
        group.Name = body.OptionalString("name", 64) ?? group.Name;
        group.Description = body.OptionalString("description", 65535) ?? group.Description;
        await groups.UpdateAsync(group, cancellationToken);
        return KeystoneResponses.Single("group", ToJson(group, context.Request));
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, GroupStore groups, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var group = await groups.GetAsync(id, cancellationToken);
        context.Authorize(policy, "identity:delete_group", Target(group));
        await groups.DeleteAsync(id, cancellationToken);
        return Results.NoContent();
    }

    private static async Task<IResult> ListMembersAsync(string id, HttpContext context, GroupStore groups, UserStore users, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var group = await groups.GetAsync(id, cancellationToken);
        context.Authorize(policy, "identity:list_users_in_group", Target(group));
        var members = await users.ListAsync(context.Request.Query("name"), null, context.Request.QueryBool("enabled"), id, cancellationToken);
        return KeystoneResponses.Collection(context.Request, "users", members.Select(u => UserEndpoints.ToJson(u, context.Request)));
    }

    private static async Task<IResult> AddMemberAsync(string id, string userId, HttpContext context, GroupStore groups, UserStore users, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var group = await groups.GetAsync(id, cancellationToken);
        context.Authorize(policy, "identity:add_user_to_group", Target(group));
        _ = await users.GetAsync(userId, cancellationToken);
        await groups.AddMemberAsync(id, userId, cancellationToken);
        return Results.NoContent();
    }

    private static async Task<IResult> CheckMemberAsync(string id, string userId, HttpContext context, GroupStore groups, UserStore users, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var group = await groups.GetAsync(id, cancellationToken);
        context.Authorize(policy, "identity:check_user_in_group", Target(group));
        _ = await users.GetAsync(userId, cancellationToken);
        if (!await groups.IsMemberAsync(id, userId, cancellationToken))
            throw ApiFault.NotFound($"User {userId} is not a member of group {id}.");
        return Results.NoContent();
    }

    private static async Task<IResult> RemoveMemberAsync(string id, string userId, HttpContext context, GroupStore groups, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var group = await groups.GetAsync(id, cancellationToken);
        context.Authorize(policy, "identity:remove_user_from_group", Target(group));
        if (!await groups.RemoveMemberAsync(id, userId, cancellationToken))
            throw ApiFault.NotFound($"User {userId} is not a member of group {id}.");
        return Results.NoContent();
    }
}
