using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Networking.Api;
using CloudBox.Networking.Data;
using CloudBox.Networking.DataPlane;
using CloudBox.Networking.Quotas;
using CloudBox.Networking.Subnets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Networking.SecurityGroups;

/// <summary><c>/v2.0/security-group-rules</c>: direction, ethertype, protocol, port range, remote prefix or group.</summary>
public static class SecurityGroupRuleEndpoints
{
    private static readonly Dictionary<string, int> ProtocolNumbers = new()
    {
        ["icmp"] = 1, ["igmp"] = 2, ["tcp"] = 6, ["udp"] = 17, ["gre"] = 47, ["esp"] = 50, ["ah"] = 51, ["ipv6-icmp"] = 58, ["icmpv6"] = 58,
        ["sctp"] = 132, ["udplite"] = 136, ["vrrp"] = 112, ["dccp"] = 33, ["ospf"] = 89, ["pgm"] = 113,
    };

    public static void Map(IEndpointRouteBuilder v2)
    {
        v2.MapGet("/security-group-rules", ListAsync);
        v2.MapPost("/security-group-rules", CreateAsync);
        v2.MapGet("/security-group-rules/{id}", GetAsync);
        v2.MapDelete("/security-group-rules/{id}", DeleteAsync);
    }

    /// <summary>The IP protocol number a rule's protocol names; null for any protocol.</summary>
    public static int? ProtocolNumber(string? protocol) =>
        protocol is null or "any" ? null
        : ProtocolNumbers.TryGetValue(protocol, out var number) ? number
        : int.Parse(protocol, CultureInfo.InvariantCulture);

    private static Task<JsonObject> GetVisibleAsync(HttpContext context, ResourceStore store, string id, CancellationToken cancellationToken) =>
        context.FindOwnedAsync(store, ResourceType.SecurityGroupRule, "security_group_rule", id, cancellationToken);

    private static async Task<IResult> ListAsync(HttpContext context, ResourceStore store, CancellationToken cancellationToken)
    {
        var caller = context.RequireCaller();
        var rules = await store.ListAsync(ResourceType.SecurityGroupRule, null, cancellationToken);
        return ResourceListing.Respond(context.Request, "security_group_rules", rules.Where(r => caller.CanSee(NeutronRequest.ProjectOf(r))));
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, ResourceStore store, CancellationToken cancellationToken) =>
        NeutronResponses.Single(context.Request, "security_group_rule", await GetVisibleAsync(context, store, id, cancellationToken));

    private static async Task<IResult> CreateAsync(HttpContext context, ResourceStore store, PolicyEngine policy, QuotaStore quotas,
        DefaultSecurityGroup defaults, NetworkChanges changes, CancellationToken cancellationToken)
    {
        var request = await NeutronRequest.ReadAsync(context.Request, "security_group_rule", cancellationToken);
        var groupId = request.RequireString("security_group_id");
        var group = await SecurityGroupEndpoints.GetVisibleAsync(context, store, groupId, cancellationToken);
        var projectId = NeutronRequest.ProjectOf(group);
        context.Authorize(policy, "create_security_group_rule", projectId);
        var rule = DefaultSecurityGroup.NewRule(projectId, groupId, ReadDirection(request), ReadEthertype(request), null);
        rule["description"] = request.OptionalString("description") ?? "";
        var protocol = ReadProtocol(request);
        rule["protocol"] = protocol;
        ReadPorts(request, rule, protocol);
        var prefix = request.OptionalString("remote_ip_prefix");
        var remoteGroup = request.OptionalString("remote_group_id");
        if (prefix is not null && remoteGroup is not null)
            throw new NeutronFault(400, "SecurityGroupRemoteGroupAndRemoteIpPrefix", "Only remote_ip_prefix or remote_group_id may be provided.");
        if (prefix is not null)
        {
            var (given, normalized) = ReadPrefix(prefix, rule["ethertype"]!.GetValue<string>());
            rule["remote_ip_prefix"] = given;
            rule["normalized_cidr"] = normalized;
        }
        if (remoteGroup is not null)
        {
            await SecurityGroupEndpoints.GetVisibleAsync(context, store, remoteGroup, cancellationToken);
            rule["remote_group_id"] = remoteGroup;
        }

        await store.Database.InTransactionAsync(async (connection, transaction) =>
        {
            await store.Database.LockAsync(connection, transaction, "network:sg:" + groupId);
            await quotas.CheckAsync(connection, transaction, projectId, ResourceType.SecurityGroupRule);
            foreach (var other in await store.ListAsync(connection, transaction, ResourceType.SecurityGroupRule, groupId))
            {
                if (SameRule(other, rule))
                    throw NeutronFault.Conflict("SecurityGroupRuleExists", $"Security group rule already exists. Rule id is {NeutronRequest.Id(other)}.");
            }
            await defaults.InsertRuleAsync(connection, transaction, rule);
        }, cancellationToken);
        changes.Changed();
        return NeutronResponses.Created(context.Request, "security_group_rule", rule);
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, ResourceStore store, PolicyEngine policy, NetworkChanges changes,
        CancellationToken cancellationToken)
    {
        var rule = await GetVisibleAsync(context, store, id, cancellationToken);
        context.Authorize(policy, "delete_security_group_rule", NeutronRequest.ProjectOf(rule));
        await store.Database.InTransactionAsync(async (connection, transaction) =>
            await store.DeleteAsync(connection, transaction, ResourceType.SecurityGroupRule, id), cancellationToken);
        changes.Changed();
        return Results.NoContent();
    }

    private static bool SameRule(JsonObject a, JsonObject b)
    {
        foreach (var key in new[] { "direction", "ethertype", "protocol", "port_range_min", "port_range_max", "remote_group_id" })
        {
            if (a[key]?.ToJsonString() != b[key]?.ToJsonString())
                return false;
        }
        return (a["normalized_cidr"]?.ToJsonString() ?? AnyPrefix(a)) == (b["normalized_cidr"]?.ToJsonString() ?? AnyPrefix(b));
    }

    /// <summary>No prefix and the all-addresses prefix mean the same rule.</summary>
    private static string AnyPrefix(JsonObject rule) =>
        rule["ethertype"]!.GetValue<string>() == "IPv4" ? "\"0.0.0.0/0\"" : "\"::/0\"";

    private static string ReadDirection(JsonObject request)
    {
        var direction = request.OptionalString("direction");
        return direction is "ingress" or "egress"
            ? direction
            : throw NeutronFault.InvalidInput($"'{direction}' is not in ['ingress', 'egress']");
    }

    private static string ReadEthertype(JsonObject request)
    {
        var ethertype = request.OptionalString("ethertype") ?? "IPv4";
        return ethertype.ToUpperInvariant() switch
        {
            "IPV4" => "IPv4",
            "IPV6" => "IPv6",
            _ => throw new NeutronFault(400, "SecurityGroupRuleInvalidEtherType",
                $"Security group rule for ethertype '{ethertype}' not supported. Allowed values are ['IPv4', 'IPv6'].")
        };
    }

    private static string? ReadProtocol(JsonObject request)
    {
        var node = request["protocol"];
        if (node is null)
            return null;
        var protocol = node.GetValueKind() == JsonValueKind.Number ? node.ToJsonString() : node.GetValue<string>().ToLowerInvariant();
        if (protocol is "any" or "")
            return null;
        if (ProtocolNumbers.ContainsKey(protocol))
            return protocol;
        if (int.TryParse(protocol, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is >= 0 and <= 255)
            return protocol;
        throw new NeutronFault(400, "SecurityGroupRuleInvalidProtocol",
            $"Security group rule protocol {protocol} not supported. Only protocol values [{string.Join(", ", ProtocolNumbers.Keys)}] and integer representations [0 to 255] are supported.");
    }

    private static void ReadPorts(JsonObject request, JsonObject rule, string? protocol)
    {
        var min = ReadPort(request, "port_range_min");
        var max = ReadPort(request, "port_range_max");
        if (min is null && max is null)
            return;
        if (protocol is null)
            throw new NeutronFault(400, "SecurityGroupProtocolRequiredWithPorts", "Must also specify protocol if port range is given.");
        var number = ProtocolNumber(protocol);
        if (number is 1 or 58)
        {
            // For ICMP the "ports" are type and code.
            if (min is > 255 || max is > 255)
                throw new NeutronFault(400, "SecurityGroupInvalidIcmpValue", "Invalid value for ICMP type or code: must be 0 to 255.");
            if (min is null && max is not null)
                throw new NeutronFault(400, "SecurityGroupMissingIcmpType", "ICMP code (port-range-max) is provided but ICMP type (port-range-min) is missing.");
        }
        else
        {
            min ??= max;
            max ??= min;
            if (min is < 1 or > 65535 || max is < 1 or > 65535)
                throw new NeutronFault(400, "SecurityGroupInvalidPortValue", "Invalid value for port: must be 1 to 65535.");
            if (min > max)
                throw new NeutronFault(400, "SecurityGroupInvalidPortRange",
                    "For TCP/UDP protocols, port_range_min must be <= port_range_max");
        }
        rule["port_range_min"] = min;
        rule["port_range_max"] = max;
    }

    private static int? ReadPort(JsonObject request, string name)
    {
        var node = request[name];
        if (node is null)
            return null;
        var text = node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString();
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            ? port
            : throw NeutronFault.InvalidInput($"'{text}' is not a valid port for {name}");
    }

    private static (string Given, string Normalized) ReadPrefix(string prefix, string ethertype)
    {
        var isV6 = prefix.Contains(':');
        if (isV6 != (ethertype == "IPv6"))
            throw new NeutronFault(400, "SecurityGroupRuleParameterConflict",
                $"Conflicting value ethertype {ethertype} for CIDR {prefix}");
        if (isV6)
        {
            var parts = prefix.Split('/');
            if (!System.Net.IPAddress.TryParse(parts[0], out _))
                throw NeutronFault.InvalidInput($"'{prefix}' is not a valid IP subnet");
            return (prefix, prefix);
        }
        var text = prefix.Contains('/') ? prefix : prefix + "/32";
        if (Ipv4Cidr.TryParse(text, out var canonical) is { } exact)
            return (prefix, exact.ToString());
        return canonical is not null ? (prefix, canonical) : throw NeutronFault.InvalidInput($"'{prefix}' is not a valid IP subnet");
    }
}
