namespace CloudBox.Networking;

/// <summary>
/// Default rules in oslo.policy syntax, after Neutron's secure RBAC defaults: project members
/// manage their project's resources; provider attributes, shared and external networks, port
/// bindings and quotas are the admin's. Attribute rules (<c>create_network:shared</c>) are checked
/// when the request sets that attribute.
/// </summary>
internal static class NetworkPolicies
{
    private const string Admin = "rule:context_is_admin";
    private const string AdminOrMember = "rule:admin_or_project_member";
    private const string AdminOrReader = "rule:admin_or_project_reader";

    /// <summary>Attributes that only some callers may set, per action: the request is checked against <c>action:attribute</c>.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> ProtectedAttributes = new Dictionary<string, string[]>
    {
        ["create_network"] = ["shared", "router:external", "provider:network_type", "provider:physical_network", "provider:segmentation_id"],
        ["update_network"] = ["shared", "router:external", "provider:network_type", "provider:physical_network", "provider:segmentation_id"],
        ["create_port"] = ["binding:host_id", "binding:profile"],
        ["update_port"] = ["binding:host_id", "binding:profile"],
        ["create_router"] = ["external_gateway_info:external_fixed_ips"],
        ["update_router"] = ["external_gateway_info:external_fixed_ips"],
    };

    /// <summary>
    /// Port attributes only the network's owner (or an admin) may set, after Neutron's
    /// <c>create_port:fixed_ips:ip_address</c>, <c>:mac_address</c>, <c>:allowed_address_pairs</c>,
    /// <c>:port_security_enabled</c> and <c>:device_owner</c> (for <c>network:*</c> owners): on a
    /// shared network they would let a tenant take the gateway's address, spoof others, or pose as
    /// the cloud's own DHCP or router port. Checked by <see cref="Ports.PortAttributePolicy"/>.
    /// </summary>
    public static readonly string[] NetworkOwnerPortAttributes =
        ["fixed_ips:ip_address", "mac_address", "allowed_address_pairs", "port_security_enabled", "device_owner"];

    public static readonly IReadOnlyDictionary<string, string> Defaults = BuildDefaults();

    private static Dictionary<string, string> BuildDefaults()
    {
        var rules = new Dictionary<string, string>
        {
            ["context_is_admin"] = "role:admin",
            ["owner"] = "project_id:%(target.project_id)s",
            ["project_member"] = "role:member and rule:owner",
            ["project_reader"] = "role:reader and rule:owner",
            ["admin_or_project_member"] = "rule:context_is_admin or rule:project_member",
            ["admin_or_project_reader"] = "rule:context_is_admin or rule:project_reader",
            ["network_owner"] = "project_id:%(target.network:project_id)s",
            ["admin_or_network_owner"] = "rule:context_is_admin or rule:network_owner",
            ["get_quota"] = AdminOrReader,
            ["update_quota"] = Admin,
            ["delete_quota"] = Admin,
            ["list_quotas"] = Admin,
        };
        foreach (var resource in new[] { "network", "subnet", "port", "security_group", "security_group_rule", "router", "floatingip" })
        {
            rules[$"create_{resource}"] = AdminOrMember;
            rules[$"update_{resource}"] = AdminOrMember;
            rules[$"delete_{resource}"] = AdminOrMember;
        }
        rules["add_router_interface"] = AdminOrMember;
        rules["remove_router_interface"] = AdminOrMember;
        foreach (var (action, attributes) in ProtectedAttributes)
        {
            foreach (var attribute in attributes)
                rules[$"{action}:{attribute}"] = Admin;
        }
        foreach (var action in new[] { "create_port", "update_port" })
        {
            foreach (var attribute in NetworkOwnerPortAttributes)
                rules[$"{action}:{attribute}"] = "rule:admin_or_network_owner";
        }
        return rules;
    }
}
