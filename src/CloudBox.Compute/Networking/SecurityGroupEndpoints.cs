using System.Text.Json.Serialization;
using CloudBox.Compute.Servers;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Networking;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Compute.Networking;

/// <summary>
/// Nova's read-only proxy of Neutron's security groups (<c>os-security-groups</c>, deprecated in
/// 2.36 but what <c>openstack server add/remove security group</c> looks groups up with), and a
/// server's groups (<c>/servers/{id}/os-security-groups</c>). A group is found by id or, failing
/// that, by a name the project uses once.
/// </summary>
public static class SecurityGroupEndpoints
{
    public static void Map(IEndpointRouteBuilder v21)
    {
        v21.MapGet("/os-security-groups", ListAsync);
        v21.MapGet("/os-security-groups/{id}", GetAsync);
        v21.MapGet("/servers/{id}/os-security-groups", ServerListAsync);
    }

    private static async Task<IResult> ListAsync(HttpContext context, ServerNetworks networks, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:servers:show");
        var projectId = caller.ProjectId ?? throw ApiFault.Forbidden("Security groups need a project-scoped token.");
        var groups = await networks.SecurityGroupsAsync(projectId, null, cancellationToken);
        return JsonBody.Write(new NovaSecurityGroupList([.. groups.Select(NovaSecurityGroup.From)]), SecurityGroupJsonContext.Default.NovaSecurityGroupList);
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, ServerNetworks networks, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:servers:show");
        var projectId = caller.ProjectId ?? throw ApiFault.Forbidden("Security groups need a project-scoped token.");
        var groups = await networks.SecurityGroupsAsync(projectId, null, cancellationToken);
        var byId = groups.FirstOrDefault(g => g.Id == id);
        var byName = groups.Where(g => g.Name == id).Take(2).ToList();
        var group = byId ?? (byName.Count == 1 ? byName[0] : null) ?? throw (byName.Count > 1
            ? ApiFault.Conflict($"Multiple security groups found matching '{id}'. Use an ID to be more specific.")
            : ApiFault.NotFound($"Security group {id} not found."));
        return JsonBody.Write(new NovaSecurityGroupOne(NovaSecurityGroup.From(group)), SecurityGroupJsonContext.Default.NovaSecurityGroupOne);
    }

    private static async Task<IResult> ServerListAsync(string id, HttpContext context, ServerStore servers, ServerNetworks networks, PolicyEngine policy,
        CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:servers:show");
        var server = await ServerAccess.FindVisibleAsync(id, caller, servers, cancellationToken);
        var groups = await networks.SecurityGroupsAsync(server.ProjectId, server.Id, cancellationToken);
        return JsonBody.Write(new NovaSecurityGroupList([.. groups.Select(NovaSecurityGroup.From)]), SecurityGroupJsonContext.Default.NovaSecurityGroupList);
    }
}

internal sealed record NovaSecurityGroupList([property: JsonPropertyName("security_groups")] IReadOnlyList<NovaSecurityGroup> SecurityGroups);

internal sealed record NovaSecurityGroupOne([property: JsonPropertyName("security_group")] NovaSecurityGroup SecurityGroup);

internal sealed record NovaSecurityGroup(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("tenant_id")] string TenantId,
    [property: JsonPropertyName("rules")] IReadOnlyList<NovaSecurityGroupRule> Rules)
{
    public static NovaSecurityGroup From(ServerSecurityGroup group) => new(group.Id, group.Name, group.Description, group.ProjectId,
        [.. group.Rules.Select(r => new NovaSecurityGroupRule(r.Id, group.Id, r.Protocol, r.FromPort, r.ToPort,
            new NovaIpRange(r.Cidr), new NovaRuleGroup(r.RemoteGroupName, r.RemoteGroupName is null ? null : group.ProjectId)))]);
}

/// <summary>A rule as Nova shows it: <c>ip_range</c> empty when the source is a group, <c>group</c> empty when it is a CIDR.</summary>
internal sealed record NovaSecurityGroupRule(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("parent_group_id")] string ParentGroupId,
    [property: JsonPropertyName("ip_protocol")] string? IpProtocol,
    [property: JsonPropertyName("from_port")] int? FromPort,
    [property: JsonPropertyName("to_port")] int? ToPort,
    [property: JsonPropertyName("ip_range")] NovaIpRange IpRange,
    [property: JsonPropertyName("group")] NovaRuleGroup Group);

internal sealed record NovaIpRange([property: JsonPropertyName("cidr"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Cidr);

internal sealed record NovaRuleGroup(
    [property: JsonPropertyName("name"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name,
    [property: JsonPropertyName("tenant_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TenantId);

[JsonSerializable(typeof(NovaSecurityGroupList))]
[JsonSerializable(typeof(NovaSecurityGroupOne))]
internal sealed partial class SecurityGroupJsonContext : JsonSerializerContext;
