using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Ids;
using CloudBox.Networking.Api;
using CloudBox.Networking.Data;
using CloudBox.Networking.Quotas;
using CloudBox.Networking.SecurityGroups;
using CloudBox.Networking.Subnets;
using Dapper;

namespace CloudBox.Networking.Ports;

/// <summary>
/// Creates, re-addresses and deletes ports inside a caller's transaction: the port API, router
/// interfaces and gateways, and floating IPs all make their ports here, so addresses, MACs,
/// quotas and security groups follow one set of rules.
/// </summary>
public sealed class PortWriter(ResourceStore store, IpAllocator ips, QuotaStore quotas, DefaultSecurityGroup defaults)
{
    /// <summary>The tap device the VMM opens for a port: <c>tap</c> and the first 11 characters of its id, as Neutron names them.</summary>
    public static string TapName(string portId) => "tap" + portId[..11];

    public async Task<JsonObject> CreateAsync(DbConnection connection, DbTransaction transaction, JsonObject request, string projectId, string networkId)
    {
        await IpAllocator.LockAsync(store.Database, connection, transaction, networkId);
        var network = await store.FindAsync(connection, transaction, ResourceType.Network, networkId) ?? throw NeutronFault.NotFound("network", networkId);
        await quotas.CheckAsync(connection, transaction, projectId, ResourceType.Port);
        var id = Identifiers.NewUuid();
        var deviceOwner = request.OptionalString("device_owner") ?? "";
        var portSecurity = request.OptionalBool("port_security_enabled") ?? network["port_security_enabled"]?.GetValue<bool>() ?? true;
        var hostId = request.OptionalString("binding:host_id") ?? "";
        var mac = await ClaimMacAsync(connection, transaction, networkId, id, request.OptionalString("mac_address"));
        var port = new JsonObject
        {
            ["id"] = id,
            ["name"] = request.OptionalString("name") ?? "",
            ["description"] = request.OptionalString("description") ?? "",
            ["network_id"] = networkId,
            ["project_id"] = projectId,
            ["tenant_id"] = projectId,
            ["mac_address"] = mac,
            ["admin_state_up"] = request.OptionalBool("admin_state_up") ?? true,
            ["status"] = "DOWN",
            ["device_id"] = request.OptionalString("device_id") ?? "",
            ["device_owner"] = deviceOwner,
            ["fixed_ips"] = await AssignFixedIpsAsync(connection, transaction, networkId, request["fixed_ips"], id, mac, deviceOwner),
            ["port_security_enabled"] = portSecurity,
            ["binding:host_id"] = hostId,
            ["binding:vnic_type"] = request.OptionalString("binding:vnic_type") ?? "normal",
            ["binding:profile"] = request["binding:profile"]?.DeepClone() ?? new JsonObject(),
            ["extra_dhcp_opts"] = request["extra_dhcp_opts"]?.DeepClone() ?? new JsonArray(),
            ["ip_allocation"] = "immediate",
            ["propagate_uplink_status"] = false,
            ["tags"] = new JsonArray(),
        };
        SetBinding(port);
        port["security_groups"] = await SecurityGroupsForAsync(connection, transaction, request, projectId, portSecurity, deviceOwner);
        port["allowed_address_pairs"] = AddressPairs(request["allowed_address_pairs"], port);
        CheckPortSecurity(port);
        await store.InsertAsync(connection, transaction, ResourceType.Port, port, networkId);
        return port;
    }

    /// <summary>Replaces a port's fixed IPs, keeping addresses it already holds.</summary>
    public async Task ReaddressAsync(DbConnection connection, DbTransaction transaction, JsonObject port, JsonNode? fixedIps)
    {
        var networkId = port["network_id"]!.GetValue<string>();
        await IpAllocator.LockAsync(store.Database, connection, transaction, networkId);
        var portId = NeutronRequest.Id(port);
        await IpAllocator.ReleaseAsync(connection, transaction, portId);
        port["fixed_ips"] = await AssignFixedIpsAsync(connection, transaction, networkId, fixedIps ?? new JsonArray(), portId,
            port["mac_address"]!.GetValue<string>(), port["device_owner"]?.GetValue<string>() ?? "");
    }

    public async Task DeleteAsync(DbConnection connection, DbTransaction transaction, JsonObject port)
    {
        var portId = NeutronRequest.Id(port);
        await IpAllocator.ReleaseAsync(connection, transaction, portId);
        await connection.ExecuteAsync("DELETE FROM network_mac_addresses WHERE port_id = @portId", new { portId }, transaction);
        await store.DeleteAsync(connection, transaction, ResourceType.Port, portId);
    }

    /// <summary>Neutron's view of binding: unbound until a host is named, then a plain tap with filtering by CloudBox.</summary>
    public static void SetBinding(JsonObject port)
    {
        var bound = port["binding:host_id"]?.GetValue<string>() is { Length: > 0 };
        var owner = port["device_owner"]?.GetValue<string>() ?? "";
        port["binding:vif_type"] = bound ? "tap" : "unbound";
        port["binding:vif_details"] = bound ? new JsonObject { ["port_filter"] = true, ["tap_name"] = TapName(NeutronRequest.Id(port)) } : new JsonObject();
        port["status"] = bound || owner.StartsWith("network:", StringComparison.Ordinal) ? "ACTIVE" : "DOWN";
    }

    public async Task<JsonArray> SecurityGroupsForAsync(DbConnection connection, DbTransaction transaction, JsonObject request, string projectId,
        bool portSecurity, string deviceOwner)
    {
        var result = new JsonArray();
        if (request["security_groups"] is JsonArray named)
        {
            foreach (var item in named)
            {
                var groupId = item?.GetValueKind() == JsonValueKind.String ? item.GetValue<string>() : throw NeutronFault.InvalidInput("security group ids are strings");
                var group = await store.FindAsync(connection, transaction, ResourceType.SecurityGroup, groupId);
                if (group is null || (NeutronRequest.ProjectOf(group) != projectId && projectId.Length > 0))
                    throw NeutronFault.NotFound("security_group", groupId);
                if (!result.Any(r => r!.GetValue<string>() == groupId))
                    result.Add(groupId);
            }
            return result;
        }
        // Ports of the cloud's own devices (routers, DHCP, floating IPs) are not filtered.
        if (portSecurity && projectId.Length > 0 && !deviceOwner.StartsWith("network:", StringComparison.Ordinal))
            result.Add(await defaults.EnsureAsync(connection, transaction, projectId));
        return result;
    }

    public static JsonArray AddressPairs(JsonNode? node, JsonObject port)
    {
        var result = new JsonArray();
        if (node is null)
            return result;
        if (node is not JsonArray pairs)
            throw NeutronFault.InvalidInput("allowed_address_pairs must be a list");
        foreach (var item in pairs)
        {
            if (item is not JsonObject pair || pair["ip_address"]?.GetValueKind() != JsonValueKind.String)
                throw new NeutronFault(400, "AllowedAddressPairsMissingIP", "AllowedAddressPair must contain ip_address");
            var ip = pair["ip_address"]!.GetValue<string>();
            if (Ipv4.TryParse(ip) is null && Ipv4Cidr.TryParse(ip, out _) is null)
                throw NeutronFault.InvalidInput($"'{ip}' is not a valid IP address or CIDR");
            var mac = pair.OptionalString("mac_address") is { } given
                ? MacAddresses.Normalize(given) ?? throw NeutronFault.InvalidInput($"'{given}' is not a valid MAC address")
                : port["mac_address"]!.GetValue<string>();
            if (result.Any(r => r!["ip_address"]!.GetValue<string>() == ip && r["mac_address"]!.GetValue<string>() == mac))
                throw new NeutronFault(400, "DuplicateAddressPairInRequest", $"Request contains duplicate address pair: mac_address {mac} ip_address {ip}.");
            result.Add(new JsonObject { ["ip_address"] = ip, ["mac_address"] = mac });
        }
        return result;
    }

    /// <summary>Security groups and address pairs mean nothing without port security, and Neutron says so.</summary>
    public static void CheckPortSecurity(JsonObject port)
    {
        if (port["port_security_enabled"]?.GetValue<bool>() == true)
            return;
        if (port["security_groups"] is JsonArray { Count: > 0 })
            throw new NeutronFault(409, "PortSecurityAndIPRequiredForSecurityGroups",
                "Port security must be enabled and port must have an IP address in order to use security groups.");
        if (port["allowed_address_pairs"] is JsonArray { Count: > 0 })
            throw new NeutronFault(409, "AddressPairAndPortSecurityRequired",
                "Port Security must be enabled in order to have allowed address pairs on a port.");
    }

    /// <remarks>
    /// As in Neutron, every port but a router's interface also gets its SLAAC address on each of
    /// the network's automatic-address IPv6 subnets, whether or not fixed_ips named them.
    /// </remarks>
    private async Task<JsonArray> AssignFixedIpsAsync(DbConnection connection, DbTransaction transaction, string networkId, JsonNode? requested, string portId,
        string mac, string deviceOwner)
    {
        var subnets = await store.ListAsync(connection, transaction, ResourceType.Subnet, networkId);
        var routerInterface = deviceOwner == Routers.RouterEndpoints.InterfaceOwner;
        var result = new JsonArray();
        if (requested is null)
        {
            // One address from the first IPv4 subnet that has one free, and one from the first such IPv6 subnet with a pool.
            foreach (var family in new[] { subnets.Where(s => !Ipv6Layout.IsIpv6(s)).ToList(), subnets.Where(s => Ipv6Layout.IsIpv6(s) && !Ipv6Layout.IsAutoAddress(s)).ToList() })
            {
                foreach (var subnet in family)
                {
                    try
                    {
                        result.Add(await AllocateOneAsync(connection, transaction, subnet, null, portId, mac, routerInterface));
                        break;
                    }
                    catch (NeutronFault fault) when (fault.Type == "IpAddressGenerationFailure" && subnet != family[^1])
                    {
                    }
                }
            }
        }
        else
        {
            if (requested is not JsonArray list)
                throw NeutronFault.InvalidInput("fixed_ips must be a list");
            foreach (var item in list)
            {
                if (item is not JsonObject fixedIp)
                    throw NeutronFault.InvalidInput("each fixed IP is an object with subnet_id and/or ip_address");
                var subnetId = fixedIp.OptionalString("subnet_id");
                var addressText = fixedIp.OptionalString("ip_address");
                if (addressText is not null && Ipv4.TryParse(addressText) is null && Ipv6.TryParse(addressText) is null)
                    throw NeutronFault.InvalidInput($"'{addressText}' is not a valid IP address");
                JsonObject? subnet;
                if (subnetId is not null)
                {
                    subnet = subnets.FirstOrDefault(s => NeutronRequest.Id(s) == subnetId);
                    if (subnet is null)
                    {
                        if (await store.FindAsync(connection, transaction, ResourceType.Subnet, subnetId) is null)
                            throw NeutronFault.NotFound("subnet", subnetId);
                        throw NeutronFault.InvalidInput(
                            $"Failed to create port on network {networkId}, because fixed_ips included invalid subnet {subnetId}");
                    }
                }
                else if (addressText is not null)
                {
                    subnet = subnets.FirstOrDefault(s => Contains(s, addressText))
                        ?? throw new NeutronFault(400, "InvalidIpForNetwork",
                            $"IP address {addressText} is not a valid IP for any of the subnets on the specified network.");
                }
                else
                {
                    throw NeutronFault.InvalidInput("a fixed IP needs a subnet_id or an ip_address");
                }
                if (Ipv6Layout.IsAutoAddress(subnet) && !routerInterface && addressText is null
                    && result.Any(r => r!["subnet_id"]!.GetValue<string>() == NeutronRequest.Id(subnet)))
                    continue; // named twice: one SLAAC address is all a MAC gives
                result.Add(await AllocateOneAsync(connection, transaction, subnet, addressText, portId, mac, routerInterface));
            }
        }
        if (!routerInterface)
        {
            foreach (var subnet in subnets.Where(Ipv6Layout.IsAutoAddress))
            {
                if (!result.Any(r => r!["subnet_id"]!.GetValue<string>() == NeutronRequest.Id(subnet)))
                    result.Add(await AllocateOneAsync(connection, transaction, subnet, null, portId, mac, routerInterface));
            }
        }
        return result;
    }

    private static bool Contains(JsonObject subnet, string addressText) => Ipv6Layout.IsIpv6(subnet)
        ? Ipv6.TryParse(addressText) is { } v6 && Ipv6Layout.FromStored(subnet).Cidr.Contains(v6)
        : Ipv4.TryParse(addressText) is { } v4 && SubnetLayout.FromStored(subnet).Cidr.Contains(v4);

    private async Task<JsonObject> AllocateOneAsync(DbConnection connection, DbTransaction transaction, JsonObject subnet, string? addressText, string portId,
        string mac, bool routerInterface)
    {
        string address;
        if (Ipv6Layout.IsIpv6(subnet))
        {
            UInt128? wanted = addressText is null ? null
                : Ipv6.TryParse(addressText) ?? throw new NeutronFault(400, "InvalidIpForSubnet", $"IP address {addressText} is not a valid IP for the specified subnet.");
            address = await ips.AllocateIpv6Async(connection, transaction, subnet, wanted, portId, mac, routerInterface);
        }
        else
        {
            uint? wanted = addressText is null ? null
                : Ipv4.TryParse(addressText) ?? throw new NeutronFault(400, "InvalidIpForSubnet", $"IP address {addressText} is not a valid IP for the specified subnet.");
            address = await ips.AllocateAsync(connection, transaction, subnet, wanted, portId);
        }
        return new JsonObject { ["subnet_id"] = NeutronRequest.Id(subnet), ["ip_address"] = address };
    }

    private static async Task<string> ClaimMacAsync(DbConnection connection, DbTransaction transaction, string networkId, string portId, string? requested)
    {
        string mac;
        if (requested is not null)
        {
            mac = MacAddresses.Normalize(requested) ?? throw NeutronFault.InvalidInput($"'{requested}' is not a valid MAC address");
            if (await MacTakenAsync(connection, transaction, networkId, mac))
                throw NeutronFault.Conflict("MacAddressInUse", $"Unable to complete operation for network {networkId}. The mac address {mac} is in use.");
        }
        else
        {
            // 24 random bits: a collision is rare, and checked under the network's lock.
            do
                mac = MacAddresses.Generate();
            while (await MacTakenAsync(connection, transaction, networkId, mac));
        }
        await connection.ExecuteAsync(
            "INSERT INTO network_mac_addresses (network_id, mac_address, port_id) VALUES (@networkId, @mac, @portId)",
            new { networkId, mac, portId }, transaction);
        return mac;
    }

    private static async Task<bool> MacTakenAsync(DbConnection connection, DbTransaction transaction, string networkId, string mac) =>
        await connection.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM network_mac_addresses WHERE network_id = @networkId AND mac_address = @mac", new { networkId, mac }, transaction) > 0;
}
