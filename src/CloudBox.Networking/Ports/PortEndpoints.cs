using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Networking.Api;
using CloudBox.Networking.Data;
using CloudBox.Networking.DataPlane;
using CloudBox.Networking.Networks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Networking.Ports;

/// <summary><c>/v2.0/ports</c>: fixed IPs, MAC, device ownership, binding, port security and address pairs.</summary>
public static class PortEndpoints
{
    private static readonly string[] Updatable =
    [
        "name", "description", "admin_state_up", "device_id", "device_owner", "binding:host_id", "binding:profile", "binding:vnic_type",
        "fixed_ips", "security_groups", "port_security_enabled", "allowed_address_pairs", "extra_dhcp_opts", "mac_address",
    ];

    public static void Map(IEndpointRouteBuilder v2)
    {
        v2.MapGet("/ports", ListAsync);
        v2.MapPost("/ports", CreateAsync);
        v2.MapGet("/ports/{id}", GetAsync);
        v2.MapPut("/ports/{id}", UpdateAsync);
        v2.MapDelete("/ports/{id}", DeleteAsync);
    }

    private static Task<JsonObject> GetVisibleAsync(HttpContext context, ResourceStore store, string id, CancellationToken cancellationToken) =>
        context.FindOwnedAsync(store, ResourceType.Port, "port", id, cancellationToken);

    private static async Task<IResult> ListAsync(HttpContext context, ResourceStore store, CancellationToken cancellationToken)
    {
        var caller = context.RequireCaller();
        var ports = await store.ListAsync(ResourceType.Port, context.Request.Query["network_id"].Count == 1 ? context.Request.Query["network_id"].ToString() : null,
            cancellationToken);
        return ResourceListing.Respond(context.Request, "ports",
            ports.Where(p => caller.CanSee(NeutronRequest.ProjectOf(p))).Select(p => PortBindingVisibility.ForCaller(p, caller)));
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, ResourceStore store, CancellationToken cancellationToken) =>
        NeutronResponses.Single(context.Request, "port",
            PortBindingVisibility.ForCaller(await GetVisibleAsync(context, store, id, cancellationToken), context.RequireCaller()));

    private static async Task<IResult> CreateAsync(HttpContext context, ResourceStore store, PolicyEngine policy, PortWriter writer,
        NetworkChanges changes, NetworkEvents events, CancellationToken cancellationToken)
    {
        var request = await NeutronRequest.ReadAsync(context.Request, "port", cancellationToken);
        var caller = context.RequireCaller();
        var networkId = request.RequireString("network_id");
        var network = await NetworkEndpoints.GetVisibleAsync(context, store, networkId, cancellationToken);
        var projectId = NeutronRequest.OwnerOf(caller, request);
        context.Authorize(policy, "create_port", projectId, request);
        // Ports on someone else's network need that network to be shared (the admin may do anything).
        if (!caller.IsAdmin() && NeutronRequest.ProjectOf(network) != projectId && network["shared"]?.GetValue<bool>() != true)
            throw NeutronFault.PolicyNotAuthorized("rule:create_port and rule:create_port:network");
        PortAttributePolicy.Authorize(policy, caller, "create_port", request, network, null);
        var port = await store.Database.InTransactionAsync(
            (connection, transaction) => writer.CreateAsync(connection, transaction, request, projectId, networkId), cancellationToken);
        changes.Changed();
        events.Port(Core.Events.ResourceChange.Created, port, caller.UserId);
        return NeutronResponses.Created(context.Request, "port", PortBindingVisibility.ForCaller(port, caller));
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext context, ResourceStore store, PolicyEngine policy, PortWriter writer,
        NetworkChanges changes, NetworkEvents events, CancellationToken cancellationToken)
    {
        var request = await NeutronRequest.ReadAsync(context.Request, "port", cancellationToken);
        var existing = await GetVisibleAsync(context, store, id, cancellationToken);
        var caller = context.Authorize(policy, "update_port", NeutronRequest.ProjectOf(existing), request);
        NeutronRequest.RejectUnknown(request, Updatable);
        var network = await store.FindAsync(ResourceType.Network, existing["network_id"]!.GetValue<string>(), cancellationToken)
            ?? throw NeutronFault.NotFound("network", existing["network_id"]!.GetValue<string>());
        PortAttributePolicy.Authorize(policy, caller, "update_port", request, network, existing);
        JsonObject? before = null;
        var port = await store.Database.InTransactionAsync(async (connection, transaction) =>
        {
            await store.Database.LockAsync(connection, transaction, "network:ipam:" + existing["network_id"]!.GetValue<string>());
            var port = await store.FindAsync(connection, transaction, ResourceType.Port, id) ?? throw NeutronFault.NotFound("port", id);
            before = port.DeepClone().AsObject();
            if (request.OptionalString("mac_address") is { } mac && mac != port["mac_address"]!.GetValue<string>())
                throw new NeutronFault(400, "HTTPBadRequest", "Cannot update read-only attribute mac_address");
            if (request.ContainsKey("fixed_ips"))
                await writer.ReaddressAsync(connection, transaction, port, request["fixed_ips"]);
            NeutronRequest.Apply(port, request, "name", "description", "admin_state_up", "device_id", "device_owner", "binding:host_id",
                "binding:profile", "binding:vnic_type", "extra_dhcp_opts", "port_security_enabled");
            if (request.ContainsKey("security_groups"))
            {
                port["security_groups"] = await writer.SecurityGroupsForAsync(connection, transaction,
                    new JsonObject { ["security_groups"] = request["security_groups"]?.DeepClone() ?? new JsonArray() },
                    NeutronRequest.ProjectOf(port), true, "");
            }
            if (request.ContainsKey("allowed_address_pairs"))
                port["allowed_address_pairs"] = PortWriter.AddressPairs(request["allowed_address_pairs"], port);
            PortWriter.CheckPortSecurity(port);
            PortWriter.SetBinding(port);
            await store.UpdateAsync(connection, transaction, ResourceType.Port, port);
            return port;
        }, cancellationToken);
        changes.Changed();
        // A binding to a server set, moved or cleared through the API: the old one ends, the new one starts.
        var (wasOn, isOn) = (NetworkEvents.ServerOf(before!), NetworkEvents.ServerOf(port));
        if (wasOn != isOn)
        {
            if (wasOn is not null)
                events.Port(Core.Events.ResourceChange.Deleted, before!, caller.UserId);
            if (isOn is not null)
                events.Port(Core.Events.ResourceChange.Created, port, caller.UserId);
        }
        return NeutronResponses.Single(context.Request, "port", PortBindingVisibility.ForCaller(port, caller));
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, ResourceStore store, PolicyEngine policy, PortWriter writer,
        NetworkChanges changes, NetworkEvents events, CancellationToken cancellationToken)
    {
        var existing = await GetVisibleAsync(context, store, id, cancellationToken);
        context.Authorize(policy, "delete_port", NeutronRequest.ProjectOf(existing));
        var owner = existing["device_owner"]?.GetValue<string>() ?? "";
        if (owner is "network:router_interface" or "network:router_gateway" or "network:floatingip")
            throw NeutronFault.Conflict("ServicePortInUse",
                $"Port {id} cannot be deleted directly via the port API: has device owner {owner}.");
        var deleted = await store.Database.InTransactionAsync(async (connection, transaction) =>
        {
            await store.Database.LockAsync(connection, transaction, "network:ipam:" + existing["network_id"]!.GetValue<string>());
            var port = await store.FindAsync(connection, transaction, ResourceType.Port, id) ?? throw NeutronFault.NotFound("port", id);
            // Floating IPs on the port are released from it, not deleted, as in Neutron.
            foreach (var floating in await store.ListAsync(connection, transaction, ResourceType.FloatingIp, null))
            {
                if (floating["port_id"]?.GetValue<string>() != id)
                    continue;
                FloatingIps.FloatingIpEndpoints.Disassociate(floating);
                await store.UpdateAsync(connection, transaction, ResourceType.FloatingIp, floating);
            }
            await writer.DeleteAsync(connection, transaction, port);
            return port;
        }, cancellationToken);
        changes.Changed();
        events.Port(Core.Events.ResourceChange.Deleted, deleted, context.RequireCaller().UserId);
        return Results.NoContent();
    }
}
