using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Neutron;

/// <summary><c>OS::Neutron::Net</c>.</summary>
internal sealed class NetType : NeutronResource
{
    public override string Name => "OS::Neutron::Net";
    protected override string Collection => "networks";
    protected override string Singular => "network";

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["name"] = new("string", UpdateAllowed: true, Description: "A string specifying a symbolic name for the network."),
        ["admin_state_up"] = new("boolean", UpdateAllowed: true, Description: "A boolean value specifying the administrative status of the network.", Default: true),
        ["shared"] = new("boolean", UpdateAllowed: true, Description: "Whether this network should be shared across all tenants."),
        ["port_security_enabled"] = new("boolean", UpdateAllowed: true, Description: "Flag to enable/disable port security on the network."),
        ["mtu"] = new("integer", UpdateAllowed: true, Description: "The MTU of the network."),
        ["value_specs"] = new("map", UpdateAllowed: true, Description: "Extra parameters to include in the request."),
    };

    public override IReadOnlyDictionary<string, string> Attributes { get; } = new Dictionary<string, string>(CommonAttributes) { ["subnets"] = "Subnets of this network.", ["mtu"] = "The MTU of the network." };

    protected override Task<JsonObject> BodyAsync(ResourceContext context, JsonObject properties, bool create, CancellationToken cancellationToken)
    {
        var body = new JsonObject();
        Copy(properties, body, "name", "admin_state_up", "shared", "port_security_enabled", "mtu");
        if (properties["value_specs"] is JsonObject specs)
            foreach (var (k, v) in specs)
                body[k] = v?.DeepClone();
        return Task.FromResult(body);
    }
}
