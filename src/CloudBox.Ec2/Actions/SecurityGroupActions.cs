using System.Globalization;
using System.Text.Json.Nodes;
using CloudBox.Ec2.Api;
using CloudBox.Ec2.Ids;
using CloudBox.Ec2.OpenStack;

namespace CloudBox.Ec2.Actions;

/// <summary>Security groups and their rules are Neutron's; an EC2 permission is one Neutron rule per CIDR or source group.</summary>
internal static class SecurityGroupActions
{
    /// <summary>Neutron group ids of the given EC2 group ids and group names (names are the project's groups).</summary>
    public static async Task<List<string>> ResolveAsync(Ec2Context context, IReadOnlyList<string> ids, IReadOnlyList<string> names)
    {
        var result = await context.Ids.OsIdsAsync(Ec2Kind.SecurityGroup, ids, context.Aborted);
        if (names.Count > 0)
        {
            var groups = await ListAsync(context);
            foreach (var name in names)
            {
                var found = groups.FirstOrDefault(g => g.Str("name") == name)
                    ?? throw new Ec2Error(400, "InvalidGroup.NotFound", $"The security group '{name}' does not exist");
                result.Add(found.Str("id")!);
            }
        }
        return result.Distinct().ToList();
    }

    private static async Task<List<JsonNode>> ListAsync(Ec2Context context) =>
        (await context.Os.GetAsync($"{OsClient.Neutron}/security-groups?project_id={context.ProjectId}", context.Aborted)).Items("security_groups").ToList();

    public static async Task<byte[]> CreateAsync(Ec2Context context)
    {
        var name = context.Request.Require("GroupName");
        var description = context.Request.Require("GroupDescription");
        if (name.Length > 255 || description.Length > 255)
            throw Ec2Error.InvalidParameterValue("GroupName and GroupDescription must be at most 255 characters.");
        if ((await ListAsync(context)).Any(g => g.Str("name") == name))
            throw new Ec2Error(400, "InvalidGroup.Duplicate", $"The security group '{name}' already exists");
        if (context.Request.Get("VpcId") is { } vpcId)
            await context.Ids.OsIdAsync(Ec2Kind.Vpc, vpcId, context.Aborted);
        JsonNode? body;
        try
        {
            body = await context.Os.PostAsync($"{OsClient.Neutron}/security-groups",
                new JsonObject { ["security_group"] = new JsonObject { ["name"] = name, ["description"] = description } }, context.Aborted);
        }
        catch (OsFault fault) when (fault.IsQuota || fault.Status == 409)
        {
            throw new Ec2Error(400, "SecurityGroupLimitExceeded", fault.Message);
        }
        var groupId = await context.Ids.Ec2IdAsync(Ec2Kind.SecurityGroup, body?["security_group"].Str("id")!, context.Aborted);
        await VpcActions.ApplyTagSpecificationsAsync(context, "security-group", [groupId]);
        using var xml = context.Response();
        xml.Element("return", true).Element("groupId", groupId);
        return xml.ToBytes();
    }

    public static async Task<byte[]> DeleteAsync(Ec2Context context)
    {
        var osId = (await ResolveAsync(context, context.Request.Get("GroupId") is { } id ? [id] : [], context.Request.Get("GroupName") is { } name ? [name] : [])).FirstOrDefault()
            ?? throw Ec2Error.MissingParameter("GroupId");
        try
        {
            await context.Os.DeleteAsync($"{OsClient.Neutron}/security-groups/{osId}", context.Aborted);
        }
        catch (OsFault fault) when (fault.Status == 404)
        {
            throw new Ec2Error(400, "InvalidGroup.NotFound", $"The security group '{context.Request.Get("GroupId") ?? context.Request.Get("GroupName")}' does not exist");
        }
        catch (OsFault fault) when (fault.Status is 409 or 400)
        {
            throw new Ec2Error(400, "DependencyViolation", fault.Message);
        }
        var ec2Id = await context.Ids.Ec2IdAsync(Ec2Kind.SecurityGroup, osId, context.Aborted);
        await context.Ids.ForgetAsync(Ec2Kind.SecurityGroup, osId, context.Aborted);
        await context.Tags.DeleteAsync(context.ProjectId, [ec2Id], [], context.Aborted);
        return VpcActions.True(context);
    }

    public static async Task<byte[]> DescribeAsync(Ec2Context context)
    {
        var ids = context.Request.List("GroupId");
        var names = context.Request.List("GroupName");
        var filters = context.Request.Filters();
        TagFilters.Check(filters, "group-id", "group-name", "description", "vpc-id", "owner-id", "ip-permission.protocol", "ip-permission.from-port",
            "ip-permission.to-port", "ip-permission.cidr", "ip-permission.group-id", "egress.ip-permission.cidr");
        var wanted = await ResolveAsync(context, ids, names);
        var groups = await ListAsync(context);
        foreach (var id in wanted)
        {
            if (!groups.Any(g => g.Str("id") == id))
                throw new Ec2Error(400, "InvalidGroup.NotFound", $"The security group '{id}' does not exist");
        }
        var groupIds = await context.Ids.Ec2IdsAsync(Ec2Kind.SecurityGroup, groups.Select(g => g.Str("id")!).ToList(), context.Aborted);
        var tags = await context.Tags.ForAsync(context.ProjectId, groupIds.Values, context.Aborted);
        string? defaultVpc = null;
        foreach (var vpc in await context.Services.Vpcs.ListAsync(context.ProjectId, context.Aborted))
        {
            if (vpc.IsDefault)
                defaultVpc = await context.Ids.Ec2IdAsync(Ec2Kind.Vpc, vpc.RouterId, context.Aborted);
        }
        using var xml = context.Response();
        xml.Start("securityGroupInfo");
        foreach (var group in groups)
        {
            var osId = group.Str("id")!;
            if (wanted.Count > 0 && !wanted.Contains(osId))
                continue;
            var groupId = groupIds[osId];
            var rules = group.Items("security_group_rules").ToList();
            if (!TagFilters.Passes(filters, tags.GetValueOrDefault(groupId), name => name switch
                {
                    "group-id" => [groupId],
                    "group-name" => [group.Str("name")],
                    "description" => [group.Str("description")],
                    "vpc-id" => [defaultVpc],
                    "owner-id" => [group.Str("project_id") ?? group.Str("tenant_id")],
                    "ip-permission.protocol" => rules.Where(r => r.Str("direction") == "ingress").Select(r => ProtocolName(r.Str("protocol"))),
                    "ip-permission.from-port" => rules.Where(r => r.Str("direction") == "ingress").Select(r => Port(r.Num("port_range_min"))),
                    "ip-permission.to-port" => rules.Where(r => r.Str("direction") == "ingress").Select(r => Port(r.Num("port_range_max"))),
                    "ip-permission.cidr" => rules.Where(r => r.Str("direction") == "ingress").Select(r => r.Str("remote_ip_prefix")),
                    "egress.ip-permission.cidr" => rules.Where(r => r.Str("direction") == "egress").Select(r => r.Str("remote_ip_prefix")),
                    _ => rules.Select(r => r.Str("remote_group_id")).OfType<string>().Select(g => groupIds.GetValueOrDefault(g)),
                }))
                continue;
            xml.Start("item").Element("ownerId", group.Str("project_id") ?? group.Str("tenant_id")).Element("groupId", groupId)
                .Element("groupName", group.Str("name")).Element("groupDescription", group.Str("description") ?? "").Element("vpcId", defaultVpc);
            WritePermissions(xml, "ipPermissions", rules.Where(r => r.Str("direction") == "ingress"), groupIds, groups);
            WritePermissions(xml, "ipPermissionsEgress", rules.Where(r => r.Str("direction") == "egress"), groupIds, groups);
            xml.Tags(tags.GetValueOrDefault(groupId)).End();
        }
        xml.End();
        return xml.ToBytes();
    }

    private static void WritePermissions(Ec2Xml xml, string name, IEnumerable<JsonNode> rules, Dictionary<string, string> groupIds, List<JsonNode> groups)
    {
        xml.Start(name);
        foreach (var rule in rules)
        {
            var protocol = ProtocolName(rule.Str("protocol"));
            xml.Start("item").Element("ipProtocol", protocol);
            if (protocol != "-1")
                xml.Element("fromPort", Port(rule.Num("port_range_min")) ?? "-1").Element("toPort", Port(rule.Num("port_range_max")) ?? "-1");
            xml.Start("groups");
            if (rule.Str("remote_group_id") is { } remote && groupIds.TryGetValue(remote, out var remoteId))
                xml.Start("item").Element("groupId", remoteId).Element("groupName", groups.FirstOrDefault(g => g.Str("id") == remote).Str("name")).End();
            xml.End().Start("ipRanges");
            var prefix = rule.Str("remote_ip_prefix");
            var ipv6 = rule.Str("ethertype") == "IPv6";
            if (!ipv6 && rule.Str("remote_group_id") is null)
                xml.Start("item").Element("cidrIp", prefix ?? "0.0.0.0/0").End();
            xml.End().Start("ipv6Ranges");
            if (ipv6 && rule.Str("remote_group_id") is null)
                xml.Start("item").Element("cidrIpv6", prefix ?? "::/0").End();
            xml.End().Empty("prefixListIds").End();
        }
        xml.End();
    }

    private static string ProtocolName(string? protocol) => protocol switch
    {
        null or "" or "any" => "-1",
        _ => protocol,
    };

    private static string? Port(long? port) => port?.ToString(CultureInfo.InvariantCulture);

    public static Task<byte[]> AuthorizeIngressAsync(Ec2Context context) => ChangeAsync(context, "ingress", authorize: true);
    public static Task<byte[]> AuthorizeEgressAsync(Ec2Context context) => ChangeAsync(context, "egress", authorize: true);
    public static Task<byte[]> RevokeIngressAsync(Ec2Context context) => ChangeAsync(context, "ingress", authorize: false);
    public static Task<byte[]> RevokeEgressAsync(Ec2Context context) => ChangeAsync(context, "egress", authorize: false);

    /// <summary>One wanted Neutron rule.</summary>
    private sealed record Rule(string Ethertype, string? Protocol, long? Min, long? Max, string? Prefix, string? RemoteGroup);

    private static async Task<byte[]> ChangeAsync(Ec2Context context, string direction, bool authorize)
    {
        var request = context.Request;
        var groupId = (await ResolveAsync(context, request.Get("GroupId") is { } id ? [id] : [], request.Get("GroupName") is { } name ? [name] : [])).FirstOrDefault()
            ?? throw Ec2Error.MissingParameter("GroupId");
        var rules = await RulesAsync(context);
        if (rules.Count == 0)
            throw Ec2Error.MissingParameter("IpPermissions");
        var group = (await context.Os.GetAsync($"{OsClient.Neutron}/security-groups/{groupId}", context.Aborted))["security_group"];
        var existing = group.Items("security_group_rules").Where(r => r.Str("direction") == direction).ToList();
        foreach (var rule in rules)
        {
            var match = existing.FirstOrDefault(r => Same(r, rule));
            if (authorize)
            {
                if (match is not null)
                    throw new Ec2Error(400, "InvalidPermission.Duplicate", "the specified rule already exists");
                var body = new JsonObject
                {
                    ["security_group_id"] = groupId, ["direction"] = direction, ["ethertype"] = rule.Ethertype,
                    ["protocol"] = rule.Protocol, ["port_range_min"] = rule.Min, ["port_range_max"] = rule.Max,
                    ["remote_ip_prefix"] = rule.Prefix, ["remote_group_id"] = rule.RemoteGroup,
                };
                try
                {
                    await context.Os.PostAsync($"{OsClient.Neutron}/security-group-rules", new JsonObject { ["security_group_rule"] = body }, context.Aborted);
                }
                catch (OsFault fault) when (fault.Status == 409)
                {
                    throw new Ec2Error(400, "InvalidPermission.Duplicate", fault.Message);
                }
                catch (OsFault fault) when (fault.IsQuota)
                {
                    throw new Ec2Error(400, "RulesPerSecurityGroupLimitExceeded", fault.Message);
                }
            }
            else
            {
                if (match is null)
                    throw new Ec2Error(400, "InvalidPermission.NotFound", "The specified rule does not exist in this security group.");
                await context.Os.DeleteAsync($"{OsClient.Neutron}/security-group-rules/{match.Str("id")}", context.Aborted);
            }
        }
        return VpcActions.True(context);
    }

    private static bool Same(JsonNode existing, Rule rule) =>
        existing.Str("ethertype") == rule.Ethertype && ProtocolName(existing.Str("protocol")) == ProtocolName(rule.Protocol)
        && existing.Num("port_range_min") == rule.Min && existing.Num("port_range_max") == rule.Max
        && (existing.Str("remote_ip_prefix") ?? (rule.RemoteGroup is null ? (rule.Ethertype == "IPv4" ? "0.0.0.0/0" : "::/0") : null)) == rule.Prefix
        && existing.Str("remote_group_id") == rule.RemoteGroup;

    /// <summary>The rules the request names: <c>IpPermissions.n</c> (each CIDR and group its own rule) or the flat legacy form.</summary>
    private static async Task<List<Rule>> RulesAsync(Ec2Context context)
    {
        var request = context.Request;
        var rules = new List<Rule>();
        var indexes = request.Indexes("IpPermissions");
        if (indexes.Count == 0 && request.Get("IpProtocol") is { } flatProtocol)
        {
            var sources = new List<(string? Cidr, string? Group)>();
            if (request.Get("CidrIp") is { } flatCidr)
                sources.Add((flatCidr, null));
            if (request.Get("SourceSecurityGroupName") is { } sourceName)
                sources.Add((null, (await ResolveAsync(context, [], [sourceName]))[0]));
            if (sources.Count == 0)
                sources.Add(("0.0.0.0/0", null));
            foreach (var (cidr, group) in sources)
                rules.Add(Make(flatProtocol, request.Get("FromPort"), request.Get("ToPort"), cidr, group));
            return rules;
        }
        foreach (var index in indexes)
        {
            var prefix = $"IpPermissions.{index}";
            var protocol = request.Get(prefix + ".IpProtocol") ?? throw Ec2Error.MissingParameter(prefix + ".IpProtocol");
            var from = request.Get(prefix + ".FromPort");
            var to = request.Get(prefix + ".ToPort");
            var count = 0;
            foreach (var range in request.Indexes(prefix + ".IpRanges"))
            {
                rules.Add(Make(protocol, from, to, request.Get($"{prefix}.IpRanges.{range}.CidrIp") ?? throw Ec2Error.MissingParameter($"{prefix}.IpRanges.{range}.CidrIp"), null));
                count++;
            }
            foreach (var range in request.Indexes(prefix + ".Ipv6Ranges"))
            {
                rules.Add(Make(protocol, from, to, request.Get($"{prefix}.Ipv6Ranges.{range}.CidrIpv6") ?? throw Ec2Error.MissingParameter($"{prefix}.Ipv6Ranges.{range}.CidrIpv6"), null));
                count++;
            }
            foreach (var pair in request.Indexes(prefix + ".Groups"))
            {
                var groupId = request.Get($"{prefix}.Groups.{pair}.GroupId");
                var groupName = request.Get($"{prefix}.Groups.{pair}.GroupName");
                var resolved = await ResolveAsync(context, groupId is null ? [] : [groupId], groupName is null ? [] : [groupName]);
                if (resolved.Count == 0)
                    throw Ec2Error.MissingParameter($"{prefix}.Groups.{pair}.GroupId");
                rules.Add(Make(protocol, from, to, null, resolved[0]));
                count++;
            }
            if (count == 0)
                rules.Add(Make(protocol, from, to, "0.0.0.0/0", null));
            if (rules.Count > 100)
                throw Ec2Error.InvalidParameterValue("At most 100 rules may be changed in one request.");
        }
        return rules;
    }

    private static Rule Make(string protocol, string? fromText, string? toText, string? cidr, string? remoteGroup)
    {
        var name = protocol.ToLowerInvariant() switch
        {
            "-1" or "all" => null,
            "6" => "tcp",
            "17" => "udp",
            "1" => "icmp",
            var other => other,
        };
        if (name is not (null or "tcp" or "udp" or "icmp") && !int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            throw Ec2Error.InvalidParameterValue($"Invalid value '{protocol}' for IP protocol. Unknown protocol.");
        long? from = null, to = null;
        if (name is "tcp" or "udp")
        {
            from = PortValue(fromText, "FromPort", 0, 65535);
            to = PortValue(toText ?? fromText, "ToPort", 0, 65535);
            if (from > to)
                throw Ec2Error.InvalidParameterValue($"Invalid port range: FromPort {from} is greater than ToPort {to}.");
        }
        else if (name == "icmp")
        {
            var type = PortValue(fromText ?? "-1", "FromPort", -1, 255);
            var code = PortValue(toText ?? "-1", "ToPort", -1, 255);
            from = type < 0 ? null : type;
            to = code < 0 || from is null ? null : code;
        }
        var ethertype = cidr is not null && cidr.Contains(':') ? "IPv6" : "IPv4";
        if (cidr is not null && !System.Net.IPNetwork.TryParse(cidr, out _))
            throw Ec2Error.InvalidParameterValue($"Value ({cidr}) for parameter cidrIp is invalid. This is not a valid CIDR block.");
        return new Rule(ethertype, name, from, to, cidr, remoteGroup);
    }

    private static long PortValue(string? text, string name, int min, int max)
    {
        if (text is null || !long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw Ec2Error.InvalidParameterValue($"Invalid value '{text}' for {name}; expected {min} to {max}.");
        return value;
    }
}
