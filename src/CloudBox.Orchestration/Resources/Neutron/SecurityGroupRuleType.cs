using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Neutron;

/// <summary>
/// <c>OS::Neutron::SecurityGroupRule</c>: one rule of a security group (by name or id); Neutron's rules
/// are immutable, so any change replaces the rule.
/// </summary>
internal sealed class SecurityGroupRuleType : NeutronResource
{
    public override string Name => "OS::Neutron::SecurityGroupRule";
    protected override string Collection => "security-group-rules";
    protected override string Singular => "security_group_rule";
    protected override bool SupportsName => false;

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["security_group"] = new("string", Required: true, Description: "Security group name or ID to add rule."),
        ["description"] = new("string", Description: "Description of the security group rule."),
        ["direction"] = new("string", Description: "The direction in which the security group rule is applied (ingress or egress).", Default: "ingress"),
        ["ethertype"] = new("string", Description: "Ethertype of the traffic (IPv4 or IPv6).", Default: "IPv4"),
        ["port_range_min"] = new("integer", Description: "The minimum port number in the range that is matched by the security group rule."),
        ["port_range_max"] = new("integer", Description: "The maximum port number in the range that is matched by the security group rule."),
        ["protocol"] = new("string", Description: "The protocol that is matched by the security group rule."),
        ["remote_group"] = new("string", Description: "The remote group name or ID to be associated with this security group rule."),
        ["remote_ip_prefix"] = new("string", Description: "The remote IP prefix (CIDR) to be associated with this security group rule."),
    };

    public override IReadOnlyDictionary<string, string> Attributes { get; } = new Dictionary<string, string> { ["show"] = "Detailed information about the resource." };

    protected override async Task<JsonObject> BodyAsync(ResourceContext context, JsonObject properties, bool create, CancellationToken cancellationToken)
    {
        var direction = properties["direction"]?.ToString() ?? "ingress";
        if (direction is not ("ingress" or "egress"))
            throw new ResourceFailure($"direction \"{direction}\" is not one of ingress, egress.");
        var body = new JsonObject
        {
            ["security_group_id"] = await context.ResolveIdAsync("network/v2.0/security-groups", "security_groups", properties["security_group"]!.ToString(), cancellationToken),
            ["direction"] = direction,
            ["ethertype"] = properties["ethertype"]?.ToString() ?? "IPv4",
        };
        Copy(properties, body, "description", "port_range_min", "port_range_max", "protocol", "remote_ip_prefix");
        if (properties["remote_group"] is { } remote)
            body["remote_group_id"] = await context.ResolveIdAsync("network/v2.0/security-groups", "security_groups", remote.ToString(), cancellationToken);
        return body;
    }
}
