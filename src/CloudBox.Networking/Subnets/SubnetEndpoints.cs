using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Networking.Api;
using CloudBox.Networking.Data;
using CloudBox.Networking.DataPlane;
using CloudBox.Networking.Networks;
using CloudBox.Networking.Quotas;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Networking.Subnets;

/// <summary><c>/v2.0/subnets</c>: IPv4 subnets with pools, gateway, DNS servers and host routes; IPv6 subnets with SLAAC.</summary>
public static class SubnetEndpoints
{
    private static readonly string[] Updatable = ["name", "description", "gateway_ip", "dns_nameservers", "host_routes", "enable_dhcp", "allocation_pools"];

    public static void Map(IEndpointRouteBuilder v2)
    {
        v2.MapGet("/subnets", ListAsync);
        v2.MapPost("/subnets", CreateAsync);
        v2.MapGet("/subnets/{id}", GetAsync);
        v2.MapPut("/subnets/{id}", UpdateAsync);
        v2.MapDelete("/subnets/{id}", DeleteAsync);
    }

    public static async Task<JsonObject> GetVisibleAsync(HttpContext context, ResourceStore store, string id, CancellationToken cancellationToken)
    {
        var caller = context.RequireCaller();
        var subnet = await store.FindAsync(ResourceType.Subnet, id, cancellationToken);
        if (subnet is null || !await VisibleAsync(caller, subnet, store, cancellationToken))
            throw NeutronFault.NotFound("subnet", id);
        return subnet;
    }

    private static async Task<bool> VisibleAsync(CallerContext caller, JsonObject subnet, ResourceStore store, CancellationToken cancellationToken)
    {
        if (caller.CanSee(NeutronRequest.ProjectOf(subnet)))
            return true;
        var network = await store.FindAsync(ResourceType.Network, subnet["network_id"]!.GetValue<string>(), cancellationToken);
        return network is not null && NetworkEndpoints.Visible(caller, network);
    }

    private static async Task<IResult> ListAsync(HttpContext context, ResourceStore store, CancellationToken cancellationToken)
    {
        var caller = context.RequireCaller();
        var networks = (await store.ListAsync(ResourceType.Network, null, cancellationToken))
            .Where(n => NetworkEndpoints.Visible(caller, n)).Select(NeutronRequest.Id).ToHashSet();
        var subnets = await store.ListAsync(ResourceType.Subnet, null, cancellationToken);
        return ResourceListing.Respond(context.Request, "subnets", subnets.Where(s =>
            caller.CanSee(NeutronRequest.ProjectOf(s)) || networks.Contains(s["network_id"]!.GetValue<string>())));
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, ResourceStore store, CancellationToken cancellationToken) =>
        NeutronResponses.Single(context.Request, "subnet", await GetVisibleAsync(context, store, id, cancellationToken));

    private static async Task<IResult> CreateAsync(HttpContext context, ResourceStore store, PolicyEngine policy, QuotaStore quotas,
        NetworkChanges changes, CancellationToken cancellationToken)
    {
        var request = await NeutronRequest.ReadAsync(context.Request, "subnet", cancellationToken);
        var caller = context.RequireCaller();
        var networkId = request.RequireString("network_id");
        var network = await NetworkEndpoints.GetVisibleAsync(context, store, networkId, cancellationToken);
        var projectId = NeutronRequest.OwnerOf(caller, request);
        // Subnets go on networks the caller owns (or any, for the admin), not on someone's shared network.
        context.Authorize(policy, "create_subnet", NeutronRequest.ProjectOf(network));
        var ipVersion = SubnetLayout.ReadIpVersion(request);
        var enableDhcp = request.OptionalBool("enable_dhcp") ?? true;
        var (raMode, addressMode) = Ipv6Layout.ReadModes(request, ipVersion, enableDhcp);
        var subnet = new JsonObject
        {
            ["id"] = Identifiers.NewUuid(),
            ["name"] = request.OptionalString("name") ?? "",
            ["description"] = request.OptionalString("description") ?? "",
            ["network_id"] = networkId,
            ["project_id"] = projectId,
            ["tenant_id"] = projectId,
            ["ip_version"] = ipVersion,
        };
        if (ipVersion == 6)
        {
            var layout = Ipv6Layout.FromRequest(request, raMode, addressMode);
            subnet["cidr"] = layout.Cidr.ToString();
            subnet["gateway_ip"] = layout.Gateway is { } gateway ? Ipv6.Format(gateway) : null;
            subnet["allocation_pools"] = layout.PoolsJson();
            subnet["dns_nameservers"] = Ipv6Layout.ParseNameservers(request["dns_nameservers"]);
            if (request["host_routes"] is JsonArray { Count: > 0 })
                throw NeutronFault.InvalidInput("host_routes are not supported on IPv6 subnets by this cloud.");
            subnet["host_routes"] = new JsonArray();
        }
        else
        {
            var layout = SubnetLayout.FromRequest(request);
            layout.CheckGateway();
            subnet["cidr"] = layout.Cidr.ToString();
            subnet["gateway_ip"] = layout.Gateway is { } gateway ? Ipv4.Format(gateway) : null;
            subnet["allocation_pools"] = layout.PoolsJson();
            subnet["dns_nameservers"] = SubnetLayout.ParseNameservers(request["dns_nameservers"]);
            subnet["host_routes"] = SubnetLayout.ParseHostRoutes(request["host_routes"]);
        }
        subnet["enable_dhcp"] = enableDhcp;
        subnet["ipv6_ra_mode"] = raMode;
        subnet["ipv6_address_mode"] = addressMode;
        subnet["subnetpool_id"] = null;
        subnet["segment_id"] = null;
        subnet["service_types"] = new JsonArray();
        subnet["tags"] = new JsonArray();

        await store.Database.InTransactionAsync(async (connection, transaction) =>
        {
            await store.Database.LockAsync(connection, transaction, "network:ipam:" + networkId);
            await quotas.CheckAsync(connection, transaction, projectId, ResourceType.Subnet);
            var current = await store.FindAsync(connection, transaction, ResourceType.Network, networkId) ?? throw NeutronFault.NotFound("network", networkId);
            foreach (var other in await store.ListAsync(connection, transaction, ResourceType.Subnet, networkId))
            {
                if (SubnetLayout.Overlap(other, subnet))
                    throw NeutronFault.InvalidInput(
                        $"Requested subnet with cidr: {subnet["cidr"]} for network: {networkId} overlaps with another subnet.");
            }
            await store.InsertAsync(connection, transaction, ResourceType.Subnet, subnet, networkId);
            ((JsonArray)current["subnets"]!).Add(NeutronRequest.Id(subnet));
            await store.UpdateAsync(connection, transaction, ResourceType.Network, current);
        }, cancellationToken);
        changes.Changed();
        return NeutronResponses.Created(context.Request, "subnet", subnet);
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext context, ResourceStore store, PolicyEngine policy, NetworkChanges changes,
        CancellationToken cancellationToken)
    {
        var request = await NeutronRequest.ReadAsync(context.Request, "subnet", cancellationToken);
        var existing = await GetVisibleAsync(context, store, id, cancellationToken);
        context.Authorize(policy, "update_subnet", NeutronRequest.ProjectOf(existing));
        NeutronRequest.RejectUnknown(request, Updatable);
        var subnet = await store.Database.InTransactionAsync(async (connection, transaction) =>
        {
            var networkId = existing["network_id"]!.GetValue<string>();
            await store.Database.LockAsync(connection, transaction, "network:ipam:" + networkId);
            var subnet = await store.FindAsync(connection, transaction, ResourceType.Subnet, id) ?? throw NeutronFault.NotFound("subnet", id);
            if (Ipv6Layout.IsIpv6(subnet))
            {
                UpdateIpv6(subnet, request);
                await store.UpdateAsync(connection, transaction, ResourceType.Subnet, subnet);
                return subnet;
            }
            var layout = SubnetLayout.FromStored(subnet);
            if (request.ContainsKey("allocation_pools"))
            {
                var probe = new JsonObject { ["cidr"] = subnet["cidr"]!.GetValue<string>(), ["allocation_pools"] = request["allocation_pools"]?.DeepClone(),
                    ["gateway_ip"] = subnet["gateway_ip"]?.DeepClone() };
                layout.Pools = SubnetLayout.FromRequest(probe).Pools;
                subnet["allocation_pools"] = layout.PoolsJson();
            }
            if (request.ContainsKey("gateway_ip"))
            {
                layout.Gateway = SubnetLayout.ParseAddress(request["gateway_ip"], "gateway_ip", allowNull: true);
                if (layout.Gateway is { } gateway && !layout.Cidr.Contains(gateway))
                    throw NeutronFault.InvalidInput($"Gateway is not valid on subnet {layout.Cidr}.");
                subnet["gateway_ip"] = layout.Gateway is { } g ? Ipv4.Format(g) : null;
            }
            layout.CheckGateway();
            if (request.ContainsKey("dns_nameservers"))
                subnet["dns_nameservers"] = SubnetLayout.ParseNameservers(request["dns_nameservers"]);
            if (request.ContainsKey("host_routes"))
                subnet["host_routes"] = SubnetLayout.ParseHostRoutes(request["host_routes"]);
            NeutronRequest.Apply(subnet, request, "name", "description");
            if (request.OptionalBool("enable_dhcp") is { } dhcp)
                subnet["enable_dhcp"] = dhcp;
            await store.UpdateAsync(connection, transaction, ResourceType.Subnet, subnet);
            return subnet;
        }, cancellationToken);
        changes.Changed();
        return NeutronResponses.Single(context.Request, "subnet", subnet);
    }

    /// <summary>An IPv6 subnet's names, DNS servers and DHCP flag change; its address plan (the guests' SLAAC addresses) does not.</summary>
    private static void UpdateIpv6(JsonObject subnet, JsonObject request)
    {
        foreach (var fixedPlan in new[] { "gateway_ip", "allocation_pools", "host_routes" })
        {
            if (request.ContainsKey(fixedPlan))
                throw NeutronFault.InvalidInput($"{fixedPlan} of an IPv6 subnet cannot be changed by this cloud.");
        }
        if (request.ContainsKey("dns_nameservers"))
            subnet["dns_nameservers"] = Ipv6Layout.ParseNameservers(request["dns_nameservers"]);
        NeutronRequest.Apply(subnet, request, "name", "description");
        if (request.OptionalBool("enable_dhcp") is { } dhcp)
        {
            if (!dhcp && (subnet["ipv6_ra_mode"] ?? subnet["ipv6_address_mode"]) is not null)
                throw NeutronFault.InvalidInput("ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False.");
            subnet["enable_dhcp"] = dhcp;
        }
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, ResourceStore store, PolicyEngine policy, NetworkChanges changes,
        CancellationToken cancellationToken)
    {
        var existing = await GetVisibleAsync(context, store, id, cancellationToken);
        context.Authorize(policy, "delete_subnet", NeutronRequest.ProjectOf(existing));
        var networkId = existing["network_id"]!.GetValue<string>();
        await store.Database.InTransactionAsync(async (connection, transaction) =>
        {
            await store.Database.LockAsync(connection, transaction, "network:ipam:" + networkId);
            var holders = await connection.QueryAsync<string>(
                "SELECT port_id FROM network_ip_allocations WHERE subnet_id = @id", new { id }, transaction);
            foreach (var portId in holders)
            {
                var port = await store.FindAsync(connection, transaction, ResourceType.Port, portId);
                if (port?["device_owner"]?.GetValue<string>() != "network:dhcp")
                    throw NeutronFault.Conflict("SubnetInUse",
                        $"Unable to complete operation on subnet {id}: One or more ports have an IP allocation from this subnet.");
            }
            await connection.ExecuteAsync("DELETE FROM network_ip_allocations WHERE subnet_id = @id", new { id }, transaction);
            await store.DeleteAsync(connection, transaction, ResourceType.Subnet, id);
            if (await store.FindAsync(connection, transaction, ResourceType.Network, networkId) is { } network)
            {
                var subnets = (JsonArray)network["subnets"]!;
                network["subnets"] = new JsonArray([.. subnets.Where(s => s!.GetValue<string>() != id).Select(s => s!.DeepClone())]);
                await store.UpdateAsync(connection, transaction, ResourceType.Network, network);
            }
        }, cancellationToken);
        changes.Changed();
        return Results.NoContent();
    }
}
