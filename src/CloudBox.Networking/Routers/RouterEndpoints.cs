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
using CloudBox.Networking.Subnets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Networking.Routers;

/// <summary><c>/v2.0/routers</c>: external gateway with SNAT, interfaces on subnets, static routes.</summary>
public static class RouterEndpoints
{
    public const string InterfaceOwner = "network:router_interface";
    public const string GatewayOwner = "network:router_gateway";

    public static void Map(IEndpointRouteBuilder v2)
    {
        v2.MapGet("/routers", ListAsync);
        v2.MapPost("/routers", CreateAsync);
        v2.MapGet("/routers/{id}", GetAsync);
        v2.MapPut("/routers/{id}", UpdateAsync);
        v2.MapDelete("/routers/{id}", DeleteAsync);
        v2.MapPut("/routers/{id}/add_router_interface", AddInterfaceAsync);
        v2.MapPut("/routers/{id}/remove_router_interface", RemoveInterfaceAsync);
    }

    private static Task<JsonObject> GetVisibleAsync(HttpContext context, ResourceStore store, string id, CancellationToken cancellationToken) =>
        context.FindOwnedAsync(store, ResourceType.Router, "router", id, cancellationToken);

    private static async Task<IResult> ListAsync(HttpContext context, ResourceStore store, CancellationToken cancellationToken)
    {
        var caller = context.RequireCaller();
        var routers = await store.ListAsync(ResourceType.Router, null, cancellationToken);
        return ResourceListing.Respond(context.Request, "routers", routers.Where(r => caller.CanSee(NeutronRequest.ProjectOf(r))));
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, ResourceStore store, CancellationToken cancellationToken) =>
        NeutronResponses.Single(context.Request, "router", await GetVisibleAsync(context, store, id, cancellationToken));

    private static async Task<IResult> CreateAsync(HttpContext context, ResourceStore store, PolicyEngine policy, QuotaStore quotas, PortWriter ports,
        NetworkChanges changes, NetworkEvents events, CancellationToken cancellationToken)
    {
        var request = await NeutronRequest.ReadAsync(context.Request, "router", cancellationToken);
        var caller = context.RequireCaller();
        var projectId = NeutronRequest.OwnerOf(caller, request);
        context.Authorize(policy, "create_router", projectId, request);
        if (request["routes"] is JsonArray { Count: > 0 })
            throw NeutronFault.InvalidInput("routes cannot be set when a router is created; it has no interfaces yet");
        var router = new JsonObject
        {
            ["id"] = Identifiers.NewUuid(),
            ["name"] = request.OptionalString("name") ?? "",
            ["description"] = request.OptionalString("description") ?? "",
            ["project_id"] = projectId,
            ["tenant_id"] = projectId,
            ["admin_state_up"] = request.OptionalBool("admin_state_up") ?? true,
            ["status"] = "ACTIVE",
            ["external_gateway_info"] = null,
            ["routes"] = new JsonArray(),
            ["distributed"] = false,
            ["ha"] = false,
            ["flavor_id"] = null,
            ["availability_zone_hints"] = new JsonArray(),
            ["availability_zones"] = new JsonArray("nova"),
            ["tags"] = new JsonArray(),
        };
        await store.Database.InTransactionAsync(async (connection, transaction) =>
        {
            await quotas.CheckAsync(connection, transaction, projectId, ResourceType.Router);
            await store.InsertAsync(connection, transaction, ResourceType.Router, router, null);
            if (request["external_gateway_info"] is JsonObject gateway && gateway.Count > 0)
            {
                await SetGatewayAsync(connection, transaction, store, ports, router, gateway);
                await store.UpdateAsync(connection, transaction, ResourceType.Router, router);
            }
        }, cancellationToken);
        changes.Changed();
        events.Router(Core.Events.ResourceChange.Created, router, caller.UserId);
        return NeutronResponses.Created(context.Request, "router", router);
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext context, ResourceStore store, PolicyEngine policy, PortWriter ports,
        NetworkChanges changes, CancellationToken cancellationToken)
    {
        var request = await NeutronRequest.ReadAsync(context.Request, "router", cancellationToken);
        var existing = await GetVisibleAsync(context, store, id, cancellationToken);
        context.Authorize(policy, "update_router", NeutronRequest.ProjectOf(existing), request);
        NeutronRequest.RejectUnknown(request, "name", "description", "admin_state_up", "external_gateway_info", "routes", "distributed", "ha");
        var router = await store.Database.InTransactionAsync(async (connection, transaction) =>
        {
            await store.Database.LockAsync(connection, transaction, "network:router:" + id);
            var router = await store.FindAsync(connection, transaction, ResourceType.Router, id) ?? throw NeutronFault.NotFound("router", id);
            NeutronRequest.Apply(router, request, "name", "description", "admin_state_up");
            if (request.ContainsKey("external_gateway_info"))
            {
                var gateway = request["external_gateway_info"] as JsonObject;
                await ClearGatewayAsync(connection, transaction, store, ports, router, keepFor: gateway?.OptionalString("network_id"));
                if (gateway is { Count: > 0 })
                    await SetGatewayAsync(connection, transaction, store, ports, router, gateway);
            }
            if (request.ContainsKey("routes"))
                router["routes"] = await ReadRoutesAsync(connection, transaction, store, router, request["routes"]);
            await store.UpdateAsync(connection, transaction, ResourceType.Router, router);
            return router;
        }, cancellationToken);
        changes.Changed();
        return NeutronResponses.Single(context.Request, "router", router);
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, ResourceStore store, PolicyEngine policy, PortWriter ports,
        NetworkChanges changes, NetworkEvents events, CancellationToken cancellationToken)
    {
        var existing = await GetVisibleAsync(context, store, id, cancellationToken);
        var caller = context.Authorize(policy, "delete_router", NeutronRequest.ProjectOf(existing));
        await store.Database.InTransactionAsync(async (connection, transaction) =>
        {
            await store.Database.LockAsync(connection, transaction, "network:router:" + id);
            var router = await store.FindAsync(connection, transaction, ResourceType.Router, id) ?? throw NeutronFault.NotFound("router", id);
            if ((await RouterPortsAsync(connection, transaction, store, id)).Any(p => p["device_owner"]!.GetValue<string>() == InterfaceOwner))
                throw NeutronFault.Conflict("RouterInUse", $"Router {id} still has ports");
            await ClearGatewayAsync(connection, transaction, store, ports, router, keepFor: null);
            await store.DeleteAsync(connection, transaction, ResourceType.Router, id);
        }, cancellationToken);
        changes.Changed();
        events.Router(Core.Events.ResourceChange.Deleted, existing, caller.UserId);
        return Results.NoContent();
    }

    private static async Task<IResult> AddInterfaceAsync(string id, HttpContext context, ResourceStore store, PolicyEngine policy, PortWriter ports,
        NetworkChanges changes, CancellationToken cancellationToken)
    {
        var request = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        var existing = await GetVisibleAsync(context, store, id, cancellationToken);
        var caller = context.Authorize(policy, "add_router_interface", NeutronRequest.ProjectOf(existing));
        var subnetId = request.OptionalString("subnet_id");
        var portId = request.OptionalString("port_id");
        if ((subnetId is null) == (portId is null))
            throw NeutronFault.BadRequest("router", "Either subnet_id or port_id must be specified");
        var result = await store.Database.InTransactionAsync(async (connection, transaction) =>
        {
            await store.Database.LockAsync(connection, transaction, "network:router:" + id);
            var routerPorts = await RouterPortsAsync(connection, transaction, store, id);
            JsonObject port;
            if (subnetId is not null)
            {
                var subnet = await store.FindAsync(connection, transaction, ResourceType.Subnet, subnetId);
                if (subnet is null || !CanUse(caller, subnet))
                    throw NeutronFault.NotFound("subnet", subnetId);
                if (subnet["gateway_ip"] is null)
                    throw NeutronFault.BadRequest("router", $"Subnet for router interface must have a gateway IP");
                await CheckNoOverlapAsync(connection, transaction, store, routerPorts, subnet, id);
                port = await ports.CreateAsync(connection, transaction, new JsonObject
                {
                    ["device_owner"] = InterfaceOwner,
                    ["device_id"] = id,
                    ["fixed_ips"] = new JsonArray(new JsonObject { ["subnet_id"] = subnetId, ["ip_address"] = subnet["gateway_ip"]!.GetValue<string>() }),
                }, NeutronRequest.ProjectOf(existing), subnet["network_id"]!.GetValue<string>());
            }
            else
            {
                port = await store.FindAsync(connection, transaction, ResourceType.Port, portId!) ?? throw NeutronFault.NotFound("port", portId!);
                if (!caller.CanSee(NeutronRequest.ProjectOf(port)))
                    throw NeutronFault.NotFound("port", portId!);
                if (port["device_id"]?.GetValue<string>() is { Length: > 0 } || port["device_owner"]?.GetValue<string>() is { Length: > 0 })
                    throw NeutronFault.Conflict("PortInUse",
                        $"Unable to complete operation on port {portId} for network {port["network_id"]}. Port already has an attached device {port["device_id"]}.");
                if (port["fixed_ips"] is not JsonArray { Count: > 0 } fixedIps)
                    throw NeutronFault.BadRequest("router", $"Router port must have at least one fixed IP");
                foreach (var fixedIp in fixedIps)
                {
                    var subnet = await store.FindAsync(connection, transaction, ResourceType.Subnet, fixedIp!["subnet_id"]!.GetValue<string>());
                    await CheckNoOverlapAsync(connection, transaction, store, routerPorts, subnet!, id);
                }
                port["device_owner"] = InterfaceOwner;
                port["device_id"] = id;
                port["security_groups"] = new JsonArray();
                port["port_security_enabled"] = false;
                PortWriter.SetBinding(port);
                await store.UpdateAsync(connection, transaction, ResourceType.Port, port);
            }
            return InterfaceInfo(existing, port);
        }, cancellationToken);
        changes.Changed();
        return NeutronResponses.Json(result);
    }

    private static async Task<IResult> RemoveInterfaceAsync(string id, HttpContext context, ResourceStore store, PolicyEngine policy, PortWriter ports,
        NetworkChanges changes, CancellationToken cancellationToken)
    {
        var request = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        var existing = await GetVisibleAsync(context, store, id, cancellationToken);
        context.Authorize(policy, "remove_router_interface", NeutronRequest.ProjectOf(existing));
        var subnetId = request.OptionalString("subnet_id");
        var portId = request.OptionalString("port_id");
        if (subnetId is null && portId is null)
            throw NeutronFault.BadRequest("router", "Either subnet_id or port_id must be specified");
        var result = await store.Database.InTransactionAsync(async (connection, transaction) =>
        {
            await store.Database.LockAsync(connection, transaction, "network:router:" + id);
            var interfaces = (await RouterPortsAsync(connection, transaction, store, id))
                .Where(p => p["device_owner"]!.GetValue<string>() == InterfaceOwner).ToList();
            var port = portId is not null
                ? interfaces.FirstOrDefault(p => NeutronRequest.Id(p) == portId)
                    ?? throw new NeutronFault(404, "RouterInterfaceNotFound", $"Router {id} does not have an interface with id {portId}")
                : interfaces.FirstOrDefault(p => ((JsonArray)p["fixed_ips"]!).Any(ip => ip!["subnet_id"]!.GetValue<string>() == subnetId))
                    ?? throw new NeutronFault(404, "RouterInterfaceNotFoundForSubnet", $"Router {id} has no interface on subnet {subnetId}");
            var info = InterfaceInfo(existing, port);
            var subnets = ((JsonArray)port["fixed_ips"]!).Select(ip => ip!["subnet_id"]!.GetValue<string>()).ToHashSet();
            foreach (var floating in await store.ListAsync(connection, transaction, ResourceType.FloatingIp, null))
            {
                if (floating["router_id"]?.GetValue<string>() != id || floating["port_id"]?.GetValue<string>() is not { } fixedPortId)
                    continue;
                var fixedPort = await store.FindAsync(connection, transaction, ResourceType.Port, fixedPortId);
                if (fixedPort?["fixed_ips"] is JsonArray ips && ips.Any(ip => subnets.Contains(ip!["subnet_id"]!.GetValue<string>())))
                    throw NeutronFault.Conflict("RouterInterfaceInUseByFloatingIP",
                        $"Router interface for subnet {string.Join(",", subnets)} on router {id} cannot be deleted, as it is required by one or more floating IPs.");
            }
            await ports.DeleteAsync(connection, transaction, port);
            var router = await store.FindAsync(connection, transaction, ResourceType.Router, id) ?? throw NeutronFault.NotFound("router", id);
            await store.UpdateAsync(connection, transaction, ResourceType.Router, router);
            return info;
        }, cancellationToken);
        changes.Changed();
        return NeutronResponses.Json(result);
    }

    public static async Task<List<JsonObject>> RouterPortsAsync(DbConnection connection, DbTransaction transaction, ResourceStore store, string routerId) =>
        (await store.ListAsync(connection, transaction, ResourceType.Port, null))
            .Where(p => p["device_id"]?.GetValue<string>() == routerId && p["device_owner"]!.GetValue<string>() is InterfaceOwner or GatewayOwner).ToList();

    private static bool CanUse(CallerContext caller, JsonObject subnet) => caller.CanSee(NeutronRequest.ProjectOf(subnet));

    private static JsonObject InterfaceInfo(JsonObject router, JsonObject port)
    {
        var subnetIds = new JsonArray([.. ((JsonArray)port["fixed_ips"]!).Select(ip => (JsonNode)ip!["subnet_id"]!.GetValue<string>())]);
        return new JsonObject
        {
            ["id"] = NeutronRequest.Id(router),
            ["tenant_id"] = NeutronRequest.ProjectOf(router),
            ["project_id"] = NeutronRequest.ProjectOf(router),
            ["port_id"] = NeutronRequest.Id(port),
            ["network_id"] = port["network_id"]!.GetValue<string>(),
            ["subnet_id"] = subnetIds.Count > 0 ? subnetIds[0]!.GetValue<string>() : null,
            ["subnet_ids"] = subnetIds,
        };
    }

    private static async Task CheckNoOverlapAsync(DbConnection connection, DbTransaction transaction, ResourceStore store, List<JsonObject> routerPorts,
        JsonObject subnet, string routerId)
    {
        foreach (var port in routerPorts)
        {
            foreach (var fixedIp in (JsonArray)port["fixed_ips"]!)
            {
                var otherId = fixedIp!["subnet_id"]!.GetValue<string>();
                if (otherId == NeutronRequest.Id(subnet))
                    throw NeutronFault.BadRequest("router", $"Router already has a port on subnet {otherId}");
                var other = await store.FindAsync(connection, transaction, ResourceType.Subnet, otherId);
                if (other is not null && SubnetLayout.Overlap(other, subnet))
                    throw NeutronFault.BadRequest("router",
                        $"Cidr {subnet["cidr"]} of subnet {NeutronRequest.Id(subnet)} overlaps with cidr {other["cidr"]} of subnet {otherId}");
            }
        }
    }

    private static async Task SetGatewayAsync(DbConnection connection, DbTransaction transaction, ResourceStore store, PortWriter ports,
        JsonObject router, JsonObject gateway)
    {
        var networkId = gateway.RequireString("network_id");
        var network = await store.FindAsync(connection, transaction, ResourceType.Network, networkId) ?? throw NeutronFault.NotFound("network", networkId);
        if (network["router:external"]?.GetValue<bool>() != true)
            throw NeutronFault.BadRequest("router", $"Network {networkId} is not an external network");
        var enableSnat = gateway.OptionalBool("enable_snat") ?? true;
        var current = router["external_gateway_info"] as JsonObject;
        if (current?["network_id"]?.GetValue<string>() == networkId && !gateway.ContainsKey("external_fixed_ips"))
        {
            current["enable_snat"] = enableSnat; // same network: only the SNAT flag changes
            return;
        }
        var port = await ports.CreateAsync(connection, transaction, new JsonObject
        {
            ["device_owner"] = GatewayOwner,
            ["device_id"] = NeutronRequest.Id(router),
            ["fixed_ips"] = gateway["external_fixed_ips"]?.DeepClone(),
        }, "", networkId);
        if (port["fixed_ips"] is not JsonArray { Count: > 0 })
            throw NeutronFault.BadRequest("router", $"No subnet on external network {networkId} to take a gateway address from");
        router["external_gateway_info"] = new JsonObject
        {
            ["network_id"] = networkId,
            ["enable_snat"] = enableSnat,
            ["external_fixed_ips"] = port["fixed_ips"]!.DeepClone(),
        };
    }

    /// <summary>Removes the gateway port unless the gateway stays on <paramref name="keepFor"/>; refused while floating IPs need it.</summary>
    private static async Task ClearGatewayAsync(DbConnection connection, DbTransaction transaction, ResourceStore store, PortWriter ports,
        JsonObject router, string? keepFor)
    {
        if (router["external_gateway_info"] is not JsonObject current)
            return;
        var networkId = current["network_id"]!.GetValue<string>();
        if (keepFor == networkId)
            return;
        var id = NeutronRequest.Id(router);
        if ((await store.ListAsync(connection, transaction, ResourceType.FloatingIp, null)).Any(f => f["router_id"]?.GetValue<string>() == id))
            throw NeutronFault.Conflict("RouterExternalGatewayInUseByFloatingIp",
                $"Gateway cannot be updated for router {id}, since a gateway to external network {networkId} is required by one or more floating IPs.");
        foreach (var port in await RouterPortsAsync(connection, transaction, store, id))
        {
            if (port["device_owner"]!.GetValue<string>() == GatewayOwner)
                await ports.DeleteAsync(connection, transaction, port);
        }
        router["external_gateway_info"] = null;
    }

    private static async Task<JsonArray> ReadRoutesAsync(DbConnection connection, DbTransaction transaction, ResourceStore store, JsonObject router, JsonNode? node)
    {
        var routes = SubnetLayout.ParseHostRoutes(node ?? new JsonArray());
        var connected = new List<Ipv4Cidr>();
        foreach (var port in await RouterPortsAsync(connection, transaction, store, NeutronRequest.Id(router)))
        {
            foreach (var fixedIp in (JsonArray)port["fixed_ips"]!)
            {
                if (await store.FindAsync(connection, transaction, ResourceType.Subnet, fixedIp!["subnet_id"]!.GetValue<string>()) is { } subnet
                    && !Ipv6Layout.IsIpv6(subnet))
                    connected.Add(SubnetLayout.FromStored(subnet).Cidr);
            }
        }
        foreach (var route in routes)
        {
            var nexthop = Ipv4.TryParse(route!["nexthop"]!.GetValue<string>())!.Value;
            if (!connected.Any(c => c.Contains(nexthop)))
                throw new NeutronFault(400, "InvalidRoutes",
                    $"Invalid format for routes: {route.ToJsonString()}, the nexthop is not connected with router");
        }
        return routes;
    }
}
