using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Neutron;

/// <summary><c>OS::Neutron::FloatingIP</c>: from an external network, optionally on a port (port updates in place).</summary>
internal sealed class FloatingIpType : NeutronResource
{
    public override string Name => "OS::Neutron::FloatingIP";
    protected override string Collection => "floatingips";
    protected override string Singular => "floatingip";
    protected override bool SupportsName => false;

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["floating_network"] = new("string", Required: true, Description: "Network to allocate floating IP from."),
        ["port_id"] = new("string", UpdateAllowed: true, Description: "ID of an existing port to associate with this floating IP."),
        ["fixed_ip_address"] = new("string", UpdateAllowed: true, Description: "IP address to use if the port has multiple addresses."),
        ["floating_ip_address"] = new("string", Description: "IP address of the floating IP."),
    };

    public override IReadOnlyDictionary<string, string> Attributes { get; } = new Dictionary<string, string>(CommonAttributes)
    {
        ["floating_ip_address"] = "The allocated address of this IP.",
        ["fixed_ip_address"] = "IP address of the associated port, if specified.",
        ["port_id"] = "ID of the port associated with this IP.",
    };

    protected override async Task<JsonObject> BodyAsync(ResourceContext context, JsonObject properties, bool create, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["port_id"] = properties["port_id"]?.DeepClone() };
        Copy(properties, body, "fixed_ip_address");
        if (create)
        {
            body["floating_network_id"] = await NetworkIdAsync(context, properties["floating_network"]!.ToString(), cancellationToken);
            Copy(properties, body, "floating_ip_address");
            body["description"] = context.Stamp;
        }
        return body;
    }

    public override async Task<string?> FindAsync(ResourceContext context, CancellationToken cancellationToken)
    {
        var list = await context.GetAsync($"{Url}?description={Uri.EscapeDataString(context.Stamp)}", cancellationToken);
        return (list?[Collection] as JsonArray)?.FirstOrDefault(f => f?["description"]?.ToString() == context.Stamp)?["id"]?.ToString();
    }
}
