using System.Data.Common;
using System.Text.Json.Nodes;
using CloudBox.Core.Ids;
using CloudBox.Networking.Data;

namespace CloudBox.Networking.SecurityGroups;

/// <summary>
/// Every project has a security group named <c>default</c>, made the first time the project
/// lists groups or creates a port: all egress allowed, ingress only from members of the group.
/// </summary>
public sealed class DefaultSecurityGroup(ResourceStore store)
{
    public const string Name = "default";

    public async Task<string> EnsureAsync(DbConnection connection, DbTransaction transaction, string projectId)
    {
        await store.Database.LockAsync(connection, transaction, "network:default-sg:" + projectId);
        var groups = await store.ListByProjectAsync(connection, transaction, ResourceType.SecurityGroup, projectId);
        var existing = groups.FirstOrDefault(g => g["name"]?.GetValue<string>() == Name);
        if (existing is not null)
            return existing["id"]!.GetValue<string>();
        var group = NewGroup(projectId, Name, "Default security group");
        await store.InsertAsync(connection, transaction, ResourceType.SecurityGroup, group, null);
        var id = group["id"]!.GetValue<string>();
        foreach (var ethertype in new[] { "IPv4", "IPv6" })
        {
            await InsertRuleAsync(connection, transaction, NewRule(projectId, id, "egress", ethertype, remoteGroupId: null));
            await InsertRuleAsync(connection, transaction, NewRule(projectId, id, "ingress", ethertype, remoteGroupId: id));
        }
        return id;
    }

    public async Task EnsureAsync(string projectId, CancellationToken cancellationToken) =>
        await store.Database.InTransactionAsync(async (connection, transaction) => await EnsureAsync(connection, transaction, projectId), cancellationToken);

    public static JsonObject NewGroup(string projectId, string name, string description) => new()
    {
        ["id"] = Identifiers.NewUuid(),
        ["name"] = name,
        ["description"] = description,
        ["project_id"] = projectId,
        ["tenant_id"] = projectId,
        ["stateful"] = true,
        ["shared"] = false,
        ["tags"] = new JsonArray(),
    };

    /// <summary>An any-protocol rule, as the defaults are.</summary>
    public static JsonObject NewRule(string projectId, string groupId, string direction, string ethertype, string? remoteGroupId) => new()
    {
        ["id"] = Identifiers.NewUuid(),
        ["security_group_id"] = groupId,
        ["project_id"] = projectId,
        ["tenant_id"] = projectId,
        ["direction"] = direction,
        ["ethertype"] = ethertype,
        ["protocol"] = null,
        ["port_range_min"] = null,
        ["port_range_max"] = null,
        ["remote_ip_prefix"] = null,
        ["normalized_cidr"] = null,
        ["remote_group_id"] = remoteGroupId,
        ["remote_address_group_id"] = null,
        ["description"] = "",
        ["tags"] = new JsonArray(),
    };

    public Task InsertRuleAsync(DbConnection connection, DbTransaction transaction, JsonObject rule) =>
        store.InsertAsync(connection, transaction, ResourceType.SecurityGroupRule, rule, rule["security_group_id"]!.GetValue<string>());
}
