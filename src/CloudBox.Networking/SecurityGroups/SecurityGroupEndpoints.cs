using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Networking.Api;
using CloudBox.Networking.Data;
using CloudBox.Networking.DataPlane;
using CloudBox.Networking.Quotas;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Networking.SecurityGroups;

/// <summary><c>/v2.0/security-groups</c>: groups with their rules embedded, the per-project default made on first use.</summary>
public static class SecurityGroupEndpoints
{
    public static void Map(IEndpointRouteBuilder v2)
    {
        v2.MapGet("/security-groups", ListAsync);
        v2.MapPost("/security-groups", CreateAsync);
        v2.MapGet("/security-groups/{id}", GetAsync);
        v2.MapPut("/security-groups/{id}", UpdateAsync);
        v2.MapDelete("/security-groups/{id}", DeleteAsync);
    }

    public static Task<JsonObject> GetVisibleAsync(HttpContext context, ResourceStore store, string id, CancellationToken cancellationToken) =>
        context.FindOwnedAsync(store, ResourceType.SecurityGroup, "security_group", id, cancellationToken);

    private static async Task<JsonObject> WithRulesAsync(JsonObject group, ResourceStore store, CancellationToken cancellationToken)
    {
        var rules = await store.ListAsync(ResourceType.SecurityGroupRule, NeutronRequest.Id(group), cancellationToken);
        group["security_group_rules"] = new JsonArray([.. rules]);
        return group;
    }

    private static async Task<IResult> ListAsync(HttpContext context, ResourceStore store, DefaultSecurityGroup defaults, CancellationToken cancellationToken)
    {
        var caller = context.RequireCaller();
        if (caller.ProjectId is { } projectId)
            await defaults.EnsureAsync(projectId, cancellationToken);
        var groups = (await store.ListAsync(ResourceType.SecurityGroup, null, cancellationToken))
            .Where(g => caller.CanSee(NeutronRequest.ProjectOf(g))).ToList();
        var rules = (await store.ListAsync(ResourceType.SecurityGroupRule, null, cancellationToken))
            .ToLookup(r => r["security_group_id"]!.GetValue<string>());
        foreach (var group in groups)
            group["security_group_rules"] = new JsonArray([.. rules[NeutronRequest.Id(group)]]);
        return ResourceListing.Respond(context.Request, "security_groups", groups);
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, ResourceStore store, CancellationToken cancellationToken) =>
        NeutronResponses.Single(context.Request, "security_group",
            await WithRulesAsync(await GetVisibleAsync(context, store, id, cancellationToken), store, cancellationToken));

    private static async Task<IResult> CreateAsync(HttpContext context, ResourceStore store, PolicyEngine policy, QuotaStore quotas,
        DefaultSecurityGroup defaults, CancellationToken cancellationToken)
    {
        var request = await NeutronRequest.ReadAsync(context.Request, "security_group", cancellationToken);
        var caller = context.RequireCaller();
        var projectId = NeutronRequest.OwnerOf(caller, request);
        context.Authorize(policy, "create_security_group", projectId);
        var name = request.OptionalString("name") ?? "";
        if (name == DefaultSecurityGroup.Name)
            throw new NeutronFault(409, "SecurityGroupDefaultAlreadyExists", "Default security group already exists.");
        var group = DefaultSecurityGroup.NewGroup(projectId, name, request.OptionalString("description") ?? "");
        if (request.OptionalBool("stateful") is { } stateful)
            group["stateful"] = stateful;
        await store.Database.InTransactionAsync(async (connection, transaction) =>
        {
            await defaults.EnsureAsync(connection, transaction, projectId);
            await quotas.CheckAsync(connection, transaction, projectId, ResourceType.SecurityGroup);
            await store.InsertAsync(connection, transaction, ResourceType.SecurityGroup, group, null);
            // New groups let everything out, like Neutron's.
            foreach (var ethertype in new[] { "IPv4", "IPv6" })
                await defaults.InsertRuleAsync(connection, transaction, DefaultSecurityGroup.NewRule(projectId, NeutronRequest.Id(group), "egress", ethertype, null));
        }, cancellationToken);
        return NeutronResponses.Created(context.Request, "security_group", await WithRulesAsync(group, store, cancellationToken));
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext context, ResourceStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var request = await NeutronRequest.ReadAsync(context.Request, "security_group", cancellationToken);
        var existing = await GetVisibleAsync(context, store, id, cancellationToken);
        context.Authorize(policy, "update_security_group", NeutronRequest.ProjectOf(existing));
        NeutronRequest.RejectUnknown(request, "name", "description", "stateful");
        if (existing["name"]?.GetValue<string>() == DefaultSecurityGroup.Name && request.OptionalString("name") is { } newName && newName != DefaultSecurityGroup.Name)
            throw new NeutronFault(409, "SecurityGroupCannotUpdateDefault", "Updating default security group not allowed.");
        var group = await store.Database.InTransactionAsync(async (connection, transaction) =>
        {
            var group = await store.FindAsync(connection, transaction, ResourceType.SecurityGroup, id) ?? throw NeutronFault.NotFound("security_group", id);
            NeutronRequest.Apply(group, request, "name", "description", "stateful");
            await store.UpdateAsync(connection, transaction, ResourceType.SecurityGroup, group);
            return group;
        }, cancellationToken);
        return NeutronResponses.Single(context.Request, "security_group", await WithRulesAsync(group, store, cancellationToken));
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, ResourceStore store, PolicyEngine policy, NetworkChanges changes,
        CancellationToken cancellationToken)
    {
        var existing = await GetVisibleAsync(context, store, id, cancellationToken);
        var caller = context.Authorize(policy, "delete_security_group", NeutronRequest.ProjectOf(existing));
        if (existing["name"]?.GetValue<string>() == DefaultSecurityGroup.Name && !caller.IsAdmin())
            throw new NeutronFault(409, "SecurityGroupCannotRemoveDefault", "Insufficient rights for removing default security group.");
        await store.Database.InTransactionAsync(async (connection, transaction) =>
        {
            var ports = await store.ListByProjectAsync(connection, transaction, ResourceType.Port, NeutronRequest.ProjectOf(existing));
            if (ports.Any(p => ((JsonArray)p["security_groups"]!).Any(g => g!.GetValue<string>() == id)))
                throw NeutronFault.Conflict("SecurityGroupInUse", $"Security Group {id} in use.");
            foreach (var rule in await store.ListAsync(connection, transaction, ResourceType.SecurityGroupRule, null))
            {
                if (rule["security_group_id"]!.GetValue<string>() == id || rule["remote_group_id"]?.GetValue<string>() == id)
                    await store.DeleteAsync(connection, transaction, ResourceType.SecurityGroupRule, NeutronRequest.Id(rule));
            }
            await store.DeleteAsync(connection, transaction, ResourceType.SecurityGroup, id);
        }, cancellationToken);
        changes.Changed();
        return Results.NoContent();
    }
}
