using System.Data.Common;
using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Networking.Api;
using CloudBox.Networking.Data;
using CloudBox.Networking.DataPlane;
using CloudBox.Networking.Ports;
using CloudBox.Networking.Quotas;
using CloudBox.Networking.Routers;
using CloudBox.Networking.Subnets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Networking.FloatingIps;

/// <summary><c>/v2.0/floatingips</c>: addresses of an external network, mapped onto a port's fixed IP by the port's router.</summary>
public static class FloatingIpEndpoints
{
    public const string Owner = "network:floatingip";

    public static void Map(IEndpointRouteBuilder v2)
    {
        v2.MapGet("/floatingips", ListAsync);
        v2.MapPost("/floatingips", CreateAsync);
        v2.MapGet("/floatingips/{id}", GetAsync);
        v2.MapPut("/floatingips/{id}", UpdateAsync);
        v2.MapDelete("/floatingips/{id}", DeleteAsync);
    }

    public static void Disassociate(JsonObject floating)
    {
        floating["port_id"] = null;
        floating["fixed_ip_address"] = null;
        floating["router_id"] = null;
        floating["port_details"] = null;
        floating["status"] = "DOWN";
    }

    private static Task<JsonObject> GetVisibleAsync(HttpContext context, ResourceStore store, string id, CancellationToken cancellationToken) =>
        context.FindOwnedAsync(store, ResourceType.FloatingIp, "floatingip", id, cancellationToken);

    private static async Task<IResult> ListAsync(HttpContext context, ResourceStore store, CancellationToken cancellationToken)
    {
        var caller = context.RequireCaller();
        var all = await store.ListAsync(ResourceType.FloatingIp, null, cancellationToken);
        return ResourceListing.Respond(context.Request, "floatingips", all.Where(f => caller.CanSee(NeutronRequest.ProjectOf(f))));
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, ResourceStore store, CancellationToken cancellationToken) =>
        NeutronResponses.Single(context.Request, "floatingip", await GetVisibleAsync(context, store, id, cancellationToken));

    private static async Task<IResult> CreateAsync(HttpContext context, ResourceStore store, PolicyEngine policy, QuotaStore quotas, PortWriter ports,
        NetworkChanges changes, NetworkEvents events, CancellationToken cancellationToken)
    {
        var request = await NeutronRequest.ReadAsync(context.Request, "floatingip", cancellationToken);
        var caller = context.RequireCaller();
        var projectId = NeutronRequest.OwnerOf(caller, request);
        context.Authorize(policy, "create_floatingip", projectId);
        var networkId = request.RequireString("floating_network_id");
        var floating = new JsonObject
        {
            ["id"] = Identifiers.NewUuid(),
            ["description"] = request.OptionalString("description") ?? "",
            ["project_id"] = projectId,
            ["tenant_id"] = projectId,
            ["floating_network_id"] = networkId,
            ["qos_policy_id"] = null,
            ["port_forwardings"] = new JsonArray(),
            ["tags"] = new JsonArray(),
        };
        Disassociate(floating);
        await store.Database.InTransactionAsync(async (connection, transaction) =>
        {
            var network = await store.FindAsync(connection, transaction, ResourceType.Network, networkId) ?? throw NeutronFault.NotFound("network", networkId);
            if (network["router:external"]?.GetValue<bool>() != true)
                throw NeutronFault.BadRequest("floatingip", $"Network {networkId} is not a valid external network");
            await quotas.CheckAsync(connection, transaction, projectId, ResourceType.FloatingIp);
            JsonArray? fixedIps = null;
            var address = request.OptionalString("floating_ip_address");
            var subnetId = request.OptionalString("subnet_id");
            if (address is not null || subnetId is not null)
            {
                var wanted = new JsonObject();
                if (address is not null)
                    wanted["ip_address"] = address;
                if (subnetId is not null)
                    wanted["subnet_id"] = subnetId;
                fixedIps = new JsonArray(wanted);
            }
            var port = await ports.CreateAsync(connection, transaction, new JsonObject
            {
                ["device_owner"] = Owner,
                ["device_id"] = NeutronRequest.Id(floating),
                ["fixed_ips"] = fixedIps,
            }, "", networkId);
            if (port["fixed_ips"] is not JsonArray { Count: > 0 } taken)
                throw NeutronFault.BadRequest("floatingip", $"No subnet on external network {networkId} to take a floating IP from");
            floating["floating_ip_address"] = taken[0]!["ip_address"]!.GetValue<string>();
            if (request.OptionalString("port_id") is { } portId)
                await AssociateAsync(connection, transaction, store, caller, floating, portId, request.OptionalString("fixed_ip_address"));
            await store.InsertAsync(connection, transaction, ResourceType.FloatingIp, floating, networkId);
        }, cancellationToken);
        changes.Changed();
        events.FloatingIp(Core.Events.ResourceChange.Created, floating, caller.UserId);
        return NeutronResponses.Created(context.Request, "floatingip", floating);
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext context, ResourceStore store, PolicyEngine policy, NetworkChanges changes,
        CancellationToken cancellationToken)
    {
        var request = await NeutronRequest.ReadAsync(context.Request, "floatingip", cancellationToken);
        var existing = await GetVisibleAsync(context, store, id, cancellationToken);
        var caller = context.Authorize(policy, "update_floatingip", NeutronRequest.ProjectOf(existing));
        NeutronRequest.RejectUnknown(request, "port_id", "fixed_ip_address", "description", "qos_policy_id");
        var floating = await store.Database.InTransactionAsync(async (connection, transaction) =>
        {
            await store.Database.LockAsync(connection, transaction, "network:floatingips");
            var floating = await store.FindAsync(connection, transaction, ResourceType.FloatingIp, id) ?? throw NeutronFault.NotFound("floatingip", id);
            NeutronRequest.Apply(floating, request, "description");
            if (request.ContainsKey("port_id"))
            {
                Disassociate(floating);
                if (request.OptionalString("port_id") is { } portId)
                    await AssociateAsync(connection, transaction, store, caller, floating, portId, request.OptionalString("fixed_ip_address"));
            }
            await store.UpdateAsync(connection, transaction, ResourceType.FloatingIp, floating);
            return floating;
        }, cancellationToken);
        changes.Changed();
        return NeutronResponses.Single(context.Request, "floatingip", floating);
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, ResourceStore store, PolicyEngine policy, PortWriter ports,
        NetworkChanges changes, NetworkEvents events, CancellationToken cancellationToken)
    {
        var existing = await GetVisibleAsync(context, store, id, cancellationToken);
        var caller = context.Authorize(policy, "delete_floatingip", NeutronRequest.ProjectOf(existing));
        await store.Database.InTransactionAsync(async (connection, transaction) =>
        {
            foreach (var port in await store.ListAsync(connection, transaction, ResourceType.Port, existing["floating_network_id"]!.GetValue<string>()))
            {
                if (port["device_owner"]?.GetValue<string>() == Owner && port["device_id"]?.GetValue<string>() == id)
                    await ports.DeleteAsync(connection, transaction, port);
            }
            await store.DeleteAsync(connection, transaction, ResourceType.FloatingIp, id);
        }, cancellationToken);
        changes.Changed();
        events.FloatingIp(Core.Events.ResourceChange.Deleted, existing, caller.UserId);
        return Results.NoContent();
    }

    /// <summary>
    /// Maps the floating IP onto one of the port's fixed IPs. A router must join that fixed IP's
    /// subnet to the floating IP's network, or the address could never be reached.
    /// </summary>
    private static async Task AssociateAsync(DbConnection connection, DbTransaction transaction, ResourceStore store, CallerContext caller,
        JsonObject floating, string portId, string? fixedAddress)
    {
        var port = await store.FindAsync(connection, transaction, ResourceType.Port, portId);
        if (port is null || !caller.CanSee(NeutronRequest.ProjectOf(port)))
            throw NeutronFault.NotFound("port", portId);
        var fixedIps = (JsonArray)port["fixed_ips"]!;
        var fixedIp = fixedAddress is null
            ? fixedIps.FirstOrDefault()
            : fixedIps.FirstOrDefault(ip => ip!["ip_address"]!.GetValue<string>() == fixedAddress)
                ?? throw NeutronFault.BadRequest("floatingip", $"Port {portId} does not have fixed ip {fixedAddress}");
        if (fixedIp is null)
            throw NeutronFault.BadRequest("floatingip", $"Port {portId} does not have any IPv4 address to associate with a floating IP");
        var address = fixedIp["ip_address"]!.GetValue<string>();
        var subnetId = fixedIp["subnet_id"]!.GetValue<string>();
        var networkId = floating["floating_network_id"]!.GetValue<string>();
        foreach (var other in await store.ListAsync(connection, transaction, ResourceType.FloatingIp, null))
        {
            if (NeutronRequest.Id(other) != NeutronRequest.Id(floating) && other["port_id"]?.GetValue<string>() == portId
                && other["fixed_ip_address"]?.GetValue<string>() == address)
                throw NeutronFault.Conflict("FloatingIPPortAlreadyAssociated",
                    $"Cannot associate floating IP {floating["floating_ip_address"]} ({NeutronRequest.Id(floating)}) with port {portId} using fixed IP {address}, as that fixed IP already has a floating IP on external network {networkId}.");
        }
        var routerId = await FindRouterAsync(connection, transaction, store, subnetId, networkId)
            ?? throw new NeutronFault(404, "ExternalGatewayForFloatingIPNotFound",
                $"External network {networkId} is not reachable from subnet {subnetId}. Therefore, cannot associate Port {portId} with a Floating IP.");
        floating["port_id"] = portId;
        floating["fixed_ip_address"] = address;
        floating["router_id"] = routerId;
        floating["status"] = "ACTIVE";
        floating["port_details"] = new JsonObject
        {
            ["name"] = port["name"]?.DeepClone(),
            ["network_id"] = port["network_id"]?.DeepClone(),
            ["mac_address"] = port["mac_address"]?.DeepClone(),
            ["admin_state_up"] = port["admin_state_up"]?.DeepClone(),
            ["status"] = port["status"]?.DeepClone(),
            ["device_id"] = port["device_id"]?.DeepClone(),
            ["device_owner"] = port["device_owner"]?.DeepClone(),
        };
    }

    /// <summary>The router with an interface on <paramref name="subnetId"/> and its gateway on <paramref name="externalNetworkId"/>.</summary>
    private static async Task<string?> FindRouterAsync(DbConnection connection, DbTransaction transaction, ResourceStore store, string subnetId,
        string externalNetworkId)
    {
        var subnet = await store.FindAsync(connection, transaction, ResourceType.Subnet, subnetId);
        if (subnet is null)
            return null;
        foreach (var port in await store.ListAsync(connection, transaction, ResourceType.Port, subnet["network_id"]!.GetValue<string>()))
        {
            if (port["device_owner"]?.GetValue<string>() != RouterEndpoints.InterfaceOwner)
                continue;
            if (!((JsonArray)port["fixed_ips"]!).Any(ip => ip!["subnet_id"]!.GetValue<string>() == subnetId))
                continue;
            var router = await store.FindAsync(connection, transaction, ResourceType.Router, port["device_id"]!.GetValue<string>());
            if (router?["external_gateway_info"]?["network_id"]?.GetValue<string>() == externalNetworkId)
                return NeutronRequest.Id(router);
        }
        return null;
    }
}
