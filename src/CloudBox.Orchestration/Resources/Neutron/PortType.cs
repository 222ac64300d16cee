using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Neutron;

/// <summary><c>OS::Neutron::Port</c>: network fixed; name, fixed_ips, security groups and state update in place.</summary>
internal sealed class PortType : NeutronResource
{
    public override string Name => "OS::Neutron::Port";
    protected override string Collection => "ports";
    protected override string Singular => "port";

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["network"] = new("string", Required: true, Description: "Network this port belongs to."),
        ["name"] = new("string", UpdateAllowed: true, Description: "A symbolic name for this port."),
        ["fixed_ips"] = new("list", UpdateAllowed: true, Description: "Desired IPs for this port ({subnet, ip_address})."),
        ["security_groups"] = new("list", UpdateAllowed: true, Description: "Security group IDs to associate with this port."),
        ["admin_state_up"] = new("boolean", UpdateAllowed: true, Description: "The administrative state of this port.", Default: true),
        ["mac_address"] = new("string", Description: "MAC address to give to this port."),
        ["port_security_enabled"] = new("boolean", UpdateAllowed: true, Description: "Flag to enable/disable port security on the port."),
        ["device_owner"] = new("string", UpdateAllowed: true, Description: "Name of the network owning the port."),
    };

    public override IReadOnlyDictionary<string, string> Attributes { get; } = new Dictionary<string, string>(CommonAttributes)
    {
        ["fixed_ips"] = "Fixed IP addresses.",
        ["mac_address"] = "MAC address of the port.",
        ["network_id"] = "Unique identifier for the network owning the port.",
        ["device_id"] = "Device ID of this port.",
    };

    protected override async Task<JsonObject> BodyAsync(ResourceContext context, JsonObject properties, bool create, CancellationToken cancellationToken)
    {
        var body = new JsonObject();
        Copy(properties, body, "name", "admin_state_up", "port_security_enabled", "device_owner");
        if (create)
        {
            Copy(properties, body, "mac_address");
            body["network_id"] = await NetworkIdAsync(context, properties["network"]!.ToString(), cancellationToken);
        }
        if (properties["fixed_ips"] is JsonArray ips)
        {
            var list = new JsonArray();
            foreach (var ip in ips.OfType<JsonObject>())
            {
                var entry = new JsonObject();
                if ((ip["subnet"] ?? ip["subnet_id"]) is { } subnet)
                    entry["subnet_id"] = await SubnetIdAsync(context, subnet.ToString(), cancellationToken);
                if (ip["ip_address"] is { } address)
                    entry["ip_address"] = address.DeepClone();
                list.Add(entry);
            }
            body["fixed_ips"] = list;
        }
        if (properties["security_groups"] is JsonArray groups)
        {
            var ids = new JsonArray();
            foreach (var group in groups)
                ids.Add(await context.ResolveIdAsync("network/v2.0/security-groups", "security_groups", group!.ToString(), cancellationToken));
            body["security_groups"] = ids;
        }
        return body;
    }
}
