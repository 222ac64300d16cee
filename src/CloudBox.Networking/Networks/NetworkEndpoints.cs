using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Networking.Api;
using CloudBox.Networking.Data;
using CloudBox.Networking.DataPlane;
using CloudBox.Networking.Quotas;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Networking.Networks;

/// <summary><c>/v2.0/networks</c>: tenant and provider networks, shared and external ones.</summary>
public static class NetworkEndpoints
{
    private static readonly string[] Updatable =
        ["name", "description", "admin_state_up", "shared", "router:external", "mtu", "port_security_enabled", "dns_domain", "qos_policy_id", "is_default"];

    public static void Map(IEndpointRouteBuilder v2)
    {
        v2.MapGet("/networks", ListAsync);
        v2.MapPost("/networks", CreateAsync);
        v2.MapGet("/networks/{id}", GetAsync);
        v2.MapPut("/networks/{id}", UpdateAsync);
        v2.MapDelete("/networks/{id}", DeleteAsync);
    }

    /// <summary>Members see their own networks, shared ones and external ones.</summary>
    public static bool Visible(Core.Api.Auth.CallerContext caller, JsonObject network) =>
        caller.CanSee(NeutronRequest.ProjectOf(network)) || network["shared"]?.GetValue<bool>() == true
        || network["router:external"]?.GetValue<bool>() == true;

    public static async Task<JsonObject> GetVisibleAsync(HttpContext context, ResourceStore store, string id, CancellationToken cancellationToken)
    {
        var caller = context.RequireCaller();
        var network = await store.FindAsync(ResourceType.Network, id, cancellationToken);
        if (network is null || !Visible(caller, network))
            throw NeutronFault.NotFound("network", id);
        return network;
    }

    private static async Task<IResult> ListAsync(HttpContext context, ResourceStore store, CancellationToken cancellationToken)
    {
        var caller = context.RequireCaller();
        var all = await store.ListAsync(ResourceType.Network, null, cancellationToken);
        return ResourceListing.Respond(context.Request, "networks", all.Where(n => Visible(caller, n)));
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, ResourceStore store, CancellationToken cancellationToken) =>
        NeutronResponses.Single(context.Request, "network", await GetVisibleAsync(context, store, id, cancellationToken));

    private static async Task<IResult> CreateAsync(HttpContext context, ResourceStore store, PolicyEngine policy, QuotaStore quotas,
        NetworkSettings settings, NetworkChanges changes, CancellationToken cancellationToken)
    {
        var request = await NeutronRequest.ReadAsync(context.Request, "network", cancellationToken);
        var caller = context.RequireCaller();
        var projectId = NeutronRequest.OwnerOf(caller, request);
        context.Authorize(policy, "create_network", projectId, request);

        var network = new JsonObject
        {
            ["id"] = Identifiers.NewUuid(),
            ["name"] = request.OptionalString("name") ?? "",
            ["description"] = request.OptionalString("description") ?? "",
            ["project_id"] = projectId,
            ["tenant_id"] = projectId,
            ["admin_state_up"] = request.OptionalBool("admin_state_up") ?? true,
            ["status"] = "ACTIVE",
            ["subnets"] = new JsonArray(),
            ["shared"] = request.OptionalBool("shared") ?? false,
            ["router:external"] = request.OptionalBool("router:external") ?? false,
            ["port_security_enabled"] = request.OptionalBool("port_security_enabled") ?? true,
            ["availability_zone_hints"] = new JsonArray(),
            ["availability_zones"] = new JsonArray("nova"),
            ["ipv4_address_scope"] = null,
            ["ipv6_address_scope"] = null,
            ["is_default"] = false,
            ["l2_adjacency"] = true,
            ["tags"] = new JsonArray(),
        };
        var segment = ProviderSegment.FromRequest(request, settings);
        network["mtu"] = ReadMtu(request, segment.DefaultMtu(settings));

        await store.Database.InTransactionAsync(async (connection, transaction) =>
        {
            await quotas.CheckAsync(connection, transaction, projectId, ResourceType.Network);
            segment = await segment.ReserveAsync(store.Database, connection, transaction, NeutronRequest.Id(network));
            segment.WriteTo(network);
            await store.InsertAsync(connection, transaction, ResourceType.Network, network, null);
        }, cancellationToken);
        changes.Changed();
        return NeutronResponses.Created(context.Request, "network", network);
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext context, ResourceStore store, PolicyEngine policy, NetworkChanges changes,
        CancellationToken cancellationToken)
    {
        var request = await NeutronRequest.ReadAsync(context.Request, "network", cancellationToken);
        var existing = await GetVisibleAsync(context, store, id, cancellationToken);
        context.Authorize(policy, "update_network", NeutronRequest.ProjectOf(existing), request);
        foreach (var provider in new[] { "provider:network_type", "provider:physical_network", "provider:segmentation_id" })
        {
            if (request.ContainsKey(provider))
                throw new NeutronFault(400, "InvalidInput", "Invalid input for operation: Plugin does not support updating provider attributes.");
        }
        NeutronRequest.RejectUnknown(request, Updatable);
        if (request.ContainsKey("mtu"))
            ReadMtu(request, 1500);
        var network = await store.Database.InTransactionAsync(async (connection, transaction) =>
        {
            await store.Database.LockAsync(connection, transaction, id);
            var network = await store.FindAsync(connection, transaction, ResourceType.Network, id) ?? throw NeutronFault.NotFound("network", id);
            NeutronRequest.Apply(network, request, Updatable);
            await store.UpdateAsync(connection, transaction, ResourceType.Network, network);
            return network;
        }, cancellationToken);
        changes.Changed();
        return NeutronResponses.Single(context.Request, "network", network);
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, ResourceStore store, PolicyEngine policy, NetworkChanges changes,
        CancellationToken cancellationToken)
    {
        var existing = await GetVisibleAsync(context, store, id, cancellationToken);
        context.Authorize(policy, "delete_network", NeutronRequest.ProjectOf(existing));
        await store.Database.InTransactionAsync(async (connection, transaction) =>
        {
            await store.Database.LockAsync(connection, transaction, "network:ipam:" + id);
            var ports = await store.ListAsync(connection, transaction, ResourceType.Port, id);
            // DHCP ports belong to the network itself and go with it; any other port keeps it in use.
            if (ports.Any(p => p["device_owner"]?.GetValue<string>() != "network:dhcp"))
                throw NeutronFault.Conflict("NetworkInUse",
                    $"Unable to complete operation on network {id}. There are one or more ports still in use on the network.");
            foreach (var port in ports)
                await store.DeleteAsync(connection, transaction, ResourceType.Port, NeutronRequest.Id(port));
            foreach (var subnet in await store.ListAsync(connection, transaction, ResourceType.Subnet, id))
                await store.DeleteAsync(connection, transaction, ResourceType.Subnet, NeutronRequest.Id(subnet));
            await connection.ExecuteAsync("DELETE FROM network_ip_allocations WHERE network_id = @id", new { id }, transaction);
            await connection.ExecuteAsync("DELETE FROM network_mac_addresses WHERE network_id = @id", new { id }, transaction);
            await connection.ExecuteAsync("DELETE FROM network_segments WHERE network_id = @id", new { id }, transaction);
            await store.DeleteAsync(connection, transaction, ResourceType.Network, id);
        }, cancellationToken);
        changes.Changed();
        return Results.NoContent();
    }

    private static int ReadMtu(JsonObject request, int defaultMtu)
    {
        var node = request["mtu"];
        if (node is null)
            return defaultMtu;
        if (node.GetValueKind() != System.Text.Json.JsonValueKind.Number || !node.AsValue().TryGetValue<int>(out var mtu) || mtu < 68 || mtu > 9216)
            throw NeutronFault.InvalidInput("'mtu' must be an integer between 68 and 9216");
        return mtu;
    }
}
