using System.Text.Json.Nodes;
using CloudBox.Compute.Drivers;
using CloudBox.Compute.Servers;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Networking;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Compute.Networking;

/// <summary><c>/servers/{id}/os-interface</c>: the server's ports as Nova's interface attachments (list and show).</summary>
public static class InterfaceEndpoints
{
    public static void Map(IEndpointRouteBuilder v21)
    {
        v21.MapGet("/servers/{id}/os-interface", ListAsync);
        v21.MapGet("/servers/{id}/os-interface/{portId}", GetAsync);
    }

    private static async Task<IResult> ListAsync(string id, HttpContext context, ServerStore servers, ServerNetworks networks, PolicyEngine policy,
        CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:servers:show");
        var server = await ServerAccess.FindVisibleAsync(id, caller, servers, cancellationToken);
        var ports = await networks.ListAsync(server.Id, cancellationToken);
        return JsonBody.Node(new JsonObject { ["interfaceAttachments"] = new JsonArray([.. ports.Select(p => (JsonNode)Attachment(server, p))]) });
    }

    private static async Task<IResult> GetAsync(string id, string portId, HttpContext context, ServerStore servers, ServerNetworks networks,
        PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:servers:show");
        var server = await ServerAccess.FindVisibleAsync(id, caller, servers, cancellationToken);
        var port = (await networks.ListAsync(server.Id, cancellationToken)).FirstOrDefault(p => p.PortId == portId)
            ?? throw ApiFault.NotFound($"Port {portId} is not attached");
        return JsonBody.Node(new JsonObject { ["interfaceAttachment"] = Attachment(server, port) });
    }

    /// <summary>The port is up while the VM runs (Networking keeps the port's status in step with it).</summary>
    private static JsonObject Attachment(ServerRecord server, ServerPort port) => new()
    {
        ["port_state"] = server.PowerState == PowerState.Running ? "ACTIVE" : "DOWN",
        ["fixed_ips"] = new JsonArray([.. port.FixedIps.Select(a => (JsonNode)new JsonObject { ["subnet_id"] = a.SubnetId, ["ip_address"] = a.Address })]),
        ["port_id"] = port.PortId,
        ["net_id"] = port.NetworkId,
        ["mac_addr"] = port.MacAddress,
    };
}
