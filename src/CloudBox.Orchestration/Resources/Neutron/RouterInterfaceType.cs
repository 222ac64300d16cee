using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Neutron;

/// <summary><c>OS::Neutron::RouterInterface</c>: a subnet (or port) on a router; its id is <c>router_id:subnet=…</c> as in Heat.</summary>
internal sealed class RouterInterfaceType : ResourceType
{
    public override string Name => "OS::Neutron::RouterInterface";

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["router"] = new("string", Required: true, Description: "The router."),
        ["subnet"] = new("string", Description: "The subnet, either subnet or port should be specified."),
        ["port"] = new("string", Description: "The port, either subnet or port should be specified."),
    };

    public override async Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken)
    {
        var router = await context.ResolveIdAsync("network/v2.0/routers", "routers", properties["router"]!.ToString(), cancellationToken);
        var body = new JsonObject();
        string kind;
        string id;
        if (properties["subnet"] is { } subnet)
        {
            kind = "subnet";
            id = await context.ResolveIdAsync("network/v2.0/subnets", "subnets", subnet.ToString(), cancellationToken);
            body["subnet_id"] = id;
        }
        else if (properties["port"] is { } port)
        {
            kind = "port";
            id = port.ToString();
            body["port_id"] = id;
        }
        else
        {
            throw new ResourceFailure("Either subnet or port must be given.");
        }
        await context.PutAsync($"network/v2.0/routers/{router}/add_router_interface", body, cancellationToken);
        return $"{router}:{kind}_id={id}";
    }

    public override async Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken)
    {
        var (router, rest) = (physicalId.Split(':', 2)[0], physicalId.Split(':', 2).ElementAtOrDefault(1) ?? "");
        var parts = rest.Split('=', 2);
        if (parts.Length != 2)
            return;
        try
        {
            await context.SendAsync(HttpMethod.Put, $"network/v2.0/routers/{router}/remove_router_interface", new JsonObject { [parts[0]] = parts[1] }, cancellationToken, notFoundIsNull: true);
        }
        catch (ResourceFailure error) when (error.Message.Contains("not found", StringComparison.OrdinalIgnoreCase) || error.Message.Contains("has no interface", StringComparison.OrdinalIgnoreCase))
        {
            // Already gone.
        }
    }
}
