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

/// <summary>
/// <c>/servers/{id}/os-interface</c>: the server's ports as Nova's interface attachments. Attach and
/// detach work on a stopped server (the next start plugs what the row says) and on a running or
/// paused one (the NIC is hot-plugged into, or unplugged from, its VMM), as Nova allows.
/// </summary>
public static class InterfaceEndpoints
{
    public static void Map(IEndpointRouteBuilder v21)
    {
        v21.MapGet("/servers/{id}/os-interface", ListAsync);
        v21.MapGet("/servers/{id}/os-interface/{portId}", GetAsync);
        v21.MapPost("/servers/{id}/os-interface", AttachAsync);
        v21.MapDelete("/servers/{id}/os-interface/{portId}", DetachAsync);
    }

    private static async Task<IResult> AttachAsync(string id, HttpContext context, ServerStore servers, ServerNetworks networks, PolicyEngine policy,
        CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:servers:action");
        var body = (await JsonBody.ReadObjectAsync(context.Request, cancellationToken)).RequireObject("interfaceAttachment");
        var server = await ChangeableAsync(id, caller, servers, "attach_interface", cancellationToken);
        var networkId = body.OptionalString("net_id");
        var portId = body.OptionalString("port_id");
        string? fixedIp = null;
        if (body["fixed_ips"] is JsonArray { Count: > 0 } fixedIps)
        {
            if (fixedIps.Count > 1 || fixedIps[0] is not JsonObject first || first.OptionalString("ip_address") is not { } address)
                throw ApiFault.BadRequest("Invalid input for field/attribute fixed_ips: one fixed IP with an ip_address.");
            fixedIp = address;
        }
        if (networkId is not null && portId is not null)
            throw ApiFault.BadRequest("Must not input both network_id and port_id");
        if (fixedIp is not null && networkId is null)
            throw ApiFault.BadRequest("Must input network_id when request IP address");
        // The same checks as a create's networks entry (uuid formats, an IPv4 address).
        var request = networkId is null && portId is null ? null : RequestedNetworks.Parse(new JsonArray(
            portId is not null ? new JsonObject { ["port"] = portId } : new JsonObject { ["uuid"] = networkId, ["fixed_ip"] = fixedIp })).Requests[0];
        var ports = await networks.AttachAsync(server, request, caller, cancellationToken);
        return JsonBody.Node(new JsonObject { ["interfaceAttachment"] = Attachment(server, ports[0]) });
    }

    private static async Task<IResult> DetachAsync(string id, string portId, HttpContext context, ServerStore servers, ServerNetworks networks,
        PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:servers:action");
        var server = await ChangeableAsync(id, caller, servers, "detach_interface", cancellationToken);
        if (!await networks.DetachAsync(server, portId, cancellationToken))
            throw ApiFault.NotFound($"Port {portId} is not attached");
        return Results.Accepted();
    }

    private static readonly string[] ChangeableStates = [ServerStates.Active, ServerStates.Paused, ServerStates.Stopped];

    private static async Task<ServerRecord> ChangeableAsync(string id, Core.Api.Auth.CallerContext caller, ServerStore servers, string action,
        CancellationToken cancellationToken)
    {
        var server = await ServerAccess.FindVisibleAsync(id, caller, servers, cancellationToken);
        ServerAccess.CheckNotLocked(server, caller);
        if (!ChangeableStates.Contains(server.VmState) || server.TaskState is not null)
            throw ServerAccess.InvalidState(server, action);
        return server;
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
