using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Neutron;

/// <summary>
/// <c>OS::Neutron::FloatingIPAssociation</c>: points an existing floating IP at a port (and fixed
/// address); the port and address update in place, another floating IP replaces the association
/// (the new one is made before the old one is undone).
/// </summary>
internal sealed class FloatingIpAssociationType : ResourceType
{
    public override string Name => "OS::Neutron::FloatingIPAssociation";

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["floatingip_id"] = new("string", Required: true, Description: "ID of the floating IP to associate."),
        ["port_id"] = new("string", Required: true, UpdateAllowed: true, Description: "ID of an existing port with at least one IP address to associate with this floating IP."),
        ["fixed_ip_address"] = new("string", UpdateAllowed: true, Description: "IP address to use if the port has multiple addresses."),
    };

    private static string Url(string floatingIp) => $"network/v2.0/floatingips/{Uri.EscapeDataString(floatingIp)}";

    private static async Task AssociateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["port_id"] = properties["port_id"]!.ToString() };
        if (properties["fixed_ip_address"] is { } address)
            body["fixed_ip_address"] = address.ToString();
        await context.PutAsync(Url(properties["floatingip_id"]!.ToString()), new JsonObject { ["floatingip"] = body }, cancellationToken);
    }

    public override async Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken)
    {
        await AssociateAsync(context, properties, cancellationToken);
        context.Data["port_id"] = properties["port_id"]!.ToString();
        return properties["floatingip_id"]!.ToString();
    }

    public override async Task UpdateAsync(ResourceContext context, string physicalId, JsonObject before, JsonObject after, IReadOnlySet<string> changed, CancellationToken cancellationToken)
    {
        await AssociateAsync(context, after, cancellationToken);
        context.Data["port_id"] = after["port_id"]!.ToString();
    }

    /// <summary>Disassociates, unless the floating IP is gone or already points elsewhere (a replacement took it over).</summary>
    public override async Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken)
    {
        var live = (await context.GetAsync(Url(physicalId), cancellationToken))?["floatingip"];
        if (live is null || live["port_id"]?.ToString() is not { Length: > 0 } port || context.Data["port_id"]?.ToString() is { } mine && mine != port)
            return;
        await context.PutAsync(Url(physicalId), new JsonObject { ["floatingip"] = new JsonObject { ["port_id"] = null } }, cancellationToken);
    }

    public override async Task<string?> CheckAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken)
    {
        var live = (await context.GetAsync(Url(physicalId), cancellationToken))?["floatingip"] ?? throw new ResourceFailure($"The floating IP {physicalId} could not be found.");
        return live["port_id"]?.ToString() == context.Data["port_id"]?.ToString() ? null : throw new ResourceFailure($"The floating IP {physicalId} is no longer associated with port {context.Data["port_id"]}.");
    }
}
