namespace CloudBox.Networking.Data;

/// <summary>
/// One kind of Neutron resource: its table, the JSON member names of one and of many, and the
/// quota it counts against. Every resource table has the same shape (see <see cref="NetworkSchema"/>).
/// </summary>
public sealed record ResourceType(string Table, string Singular, string Plural)
{
    public static readonly ResourceType Network = new("network_networks", "network", "networks");
    public static readonly ResourceType Subnet = new("network_subnets", "subnet", "subnets");
    public static readonly ResourceType Port = new("network_ports", "port", "ports");
    public static readonly ResourceType SecurityGroup = new("network_security_groups", "security_group", "security_groups");
    public static readonly ResourceType SecurityGroupRule = new("network_security_group_rules", "security_group_rule", "security_group_rules");
    public static readonly ResourceType Router = new("network_routers", "router", "routers");
    public static readonly ResourceType FloatingIp = new("network_floating_ips", "floatingip", "floatingips");

    public static readonly IReadOnlyList<ResourceType> All = [Network, Subnet, Port, SecurityGroup, SecurityGroupRule, Router, FloatingIp];

    /// <summary>The path segment of the collection (<c>security-groups</c>).</summary>
    public string Path => Plural.Replace('_', '-');
}
