using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Neutron;

/// <summary><c>OS::Neutron::Subnet</c>: network and CIDR are fixed; name, gateway, DHCP, DNS and pools update in place.</summary>
internal sealed class SubnetType : NeutronResource
{
    public override string Name => "OS::Neutron::Subnet";
    protected override string Collection => "subnets";
    protected override string Singular => "subnet";

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["network"] = new("string", Required: true, Description: "The ID or name of the attached network."),
        ["cidr"] = new("string", Description: "The CIDR."),
        ["ip_version"] = new("integer", Description: "The IP version, which is 4 or 6.", Default: 4),
        ["name"] = new("string", UpdateAllowed: true, Description: "The name of the subnet."),
        ["gateway_ip"] = new("string", UpdateAllowed: true, Description: "The gateway IP address."),
        ["enable_dhcp"] = new("boolean", UpdateAllowed: true, Description: "Whether DHCP is enabled.", Default: true),
        ["dns_nameservers"] = new("list", UpdateAllowed: true, Description: "A specified set of DNS name servers to be used."),
        ["allocation_pools"] = new("list", UpdateAllowed: true, Description: "The start and end addresses for the allocation pools."),
        ["host_routes"] = new("list", UpdateAllowed: true, Description: "A list of host route dictionaries for the subnet."),
    };

    public override IReadOnlyDictionary<string, string> Attributes { get; } = new Dictionary<string, string>(CommonAttributes)
    {
        ["cidr"] = "CIDR block notation for this subnet.",
        ["gateway_ip"] = "IP of the subnet's gateway.",
        ["network_id"] = "Parent network of the subnet.",
        ["allocation_pools"] = "Ip allocation pools and their ranges.",
    };

    protected override async Task<JsonObject> BodyAsync(ResourceContext context, JsonObject properties, bool create, CancellationToken cancellationToken)
    {
        var body = new JsonObject();
        Copy(properties, body, "name", "gateway_ip", "enable_dhcp", "dns_nameservers", "allocation_pools", "host_routes");
        if (create)
        {
            Copy(properties, body, "cidr", "ip_version");
            body["network_id"] = await NetworkIdAsync(context, properties["network"]!.ToString(), cancellationToken);
        }
        return body;
    }
}
