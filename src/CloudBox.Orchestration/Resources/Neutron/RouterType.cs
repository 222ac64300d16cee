using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Neutron;

/// <summary><c>OS::Neutron::Router</c>, with its external gateway.</summary>
internal sealed class RouterType : NeutronResource
{
    public override string Name => "OS::Neutron::Router";
    protected override string Collection => "routers";
    protected override string Singular => "router";

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["name"] = new("string", UpdateAllowed: true, Description: "The name of the router."),
        ["admin_state_up"] = new("boolean", UpdateAllowed: true, Description: "The administrative state of the router.", Default: true),
        ["external_gateway_info"] = new("map", UpdateAllowed: true, Description: "External network gateway configuration ({network, enable_snat})."),
    };

    public override IReadOnlyDictionary<string, string> Attributes { get; } = new Dictionary<string, string>(CommonAttributes) { ["external_gateway_info"] = "Gateway network for the router." };

    protected override async Task<JsonObject> BodyAsync(ResourceContext context, JsonObject properties, bool create, CancellationToken cancellationToken)
    {
        var body = new JsonObject();
        Copy(properties, body, "name", "admin_state_up");
        if (properties["external_gateway_info"] is JsonObject gateway && gateway["network"] is { } network)
        {
            var info = new JsonObject { ["network_id"] = await NetworkIdAsync(context, network.ToString(), cancellationToken) };
            if (gateway["enable_snat"] is { } snat)
                info["enable_snat"] = snat.DeepClone();
            body["external_gateway_info"] = info;
        }
        return body;
    }
}
