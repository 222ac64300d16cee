using System.Data.Common;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Networking.Api;
using CloudBox.Networking.Subnets;
using Dapper;

namespace CloudBox.Networking.Ports;

/// <summary>
/// Hands out fixed IPs. Runs inside the port's transaction after the network's IPAM lock
/// (<c>network:ipam:&lt;network&gt;</c>): the read of taken addresses and the insert cannot
/// interleave with another port's, and the table's primary key backs that up.
/// </summary>
public sealed class IpAllocator(Database database)
{
    public static Task LockAsync(Database database, DbConnection connection, DbTransaction transaction, string networkId) =>
        database.LockAsync(connection, transaction, "network:ipam:" + networkId);

    public Database Database => database;

    /// <summary>Claims <paramref name="address"/> in <paramref name="subnet"/>, or the first free pool address when null.</summary>
    public async Task<string> AllocateAsync(DbConnection connection, DbTransaction transaction, JsonObject subnet, uint? address, string portId)
    {
        var subnetId = subnet["id"]!.GetValue<string>();
        var layout = SubnetLayout.FromStored(subnet);
        var taken = (await connection.QueryAsync<string>(
            "SELECT ip_address FROM network_ip_allocations WHERE subnet_id = @subnetId", new { subnetId }, transaction))
            .Select(a => Ipv4.TryParse(a)!.Value).ToHashSet();
        uint chosen;
        if (address is { } wanted)
        {
            if (!layout.IsHost(wanted))
                throw new NeutronFault(400, "InvalidIpForSubnet", $"IP address {Ipv4.Format(wanted)} is not a valid IP for the specified subnet.");
            if (taken.Contains(wanted))
                throw NeutronFault.Conflict("IpAddressAlreadyAllocated",
                    $"IP address {Ipv4.Format(wanted)} already allocated in subnet {subnetId}");
            chosen = wanted;
        }
        else
        {
            chosen = FirstFree(layout, taken) ?? throw NeutronFault.Conflict("IpAddressGenerationFailure",
                $"No more IP addresses available on network {subnet["network_id"]!.GetValue<string>()}.");
        }
        var ipAddress = Ipv4.Format(chosen);
        await connection.ExecuteAsync(
            "INSERT INTO network_ip_allocations (subnet_id, ip_address, network_id, port_id) VALUES (@subnetId, @ipAddress, @networkId, @portId)",
            new { subnetId, ipAddress, networkId = subnet["network_id"]!.GetValue<string>(), portId }, transaction);
        return ipAddress;
    }

    /// <summary>
    /// Claims an IPv6 address in <paramref name="subnet"/>: on SLAAC subnets the EUI-64 address of
    /// <paramref name="mac"/> (what the guest will configure itself), which only a router's
    /// interface may override (it holds the gateway); elsewhere <paramref name="address"/> or the
    /// first free pool address.
    /// </summary>
    public async Task<string> AllocateIpv6Async(DbConnection connection, DbTransaction transaction, JsonObject subnet, UInt128? address, string portId,
        string mac, bool routerInterface)
    {
        var subnetId = subnet["id"]!.GetValue<string>();
        var layout = Ipv6Layout.FromStored(subnet);
        var taken = (await connection.QueryAsync<string>(
            "SELECT ip_address FROM network_ip_allocations WHERE subnet_id = @subnetId", new { subnetId }, transaction))
            .Select(a => Ipv6.TryParse(a)).OfType<UInt128>().ToHashSet();
        UInt128 chosen;
        if (Ipv6Layout.IsAutoAddress(subnet) && !routerInterface)
        {
            if (address is { } given)
                throw NeutronFault.InvalidInput(
                    $"IPv6 address {Ipv6.Format(given)} cannot be directly assigned to a port on subnet {subnetId} as the subnet is configured for automatic addresses");
            chosen = Ipv6.Eui64(layout.Cidr, mac);
            if (taken.Contains(chosen))
                throw NeutronFault.Conflict("IpAddressAlreadyAllocated", $"IP address {Ipv6.Format(chosen)} already allocated in subnet {subnetId}");
        }
        else if (address is { } wanted)
        {
            if (!layout.Cidr.Contains(wanted) || wanted == layout.Cidr.Network)
                throw new NeutronFault(400, "InvalidIpForSubnet", $"IP address {Ipv6.Format(wanted)} is not a valid IP for the specified subnet.");
            if (taken.Contains(wanted))
                throw NeutronFault.Conflict("IpAddressAlreadyAllocated", $"IP address {Ipv6.Format(wanted)} already allocated in subnet {subnetId}");
            chosen = wanted;
        }
        else
        {
            chosen = FirstFree(layout, taken) ?? throw NeutronFault.Conflict("IpAddressGenerationFailure",
                $"No more IP addresses available on network {subnet["network_id"]!.GetValue<string>()}.");
        }
        var ipAddress = Ipv6.Format(chosen);
        await connection.ExecuteAsync(
            "INSERT INTO network_ip_allocations (subnet_id, ip_address, network_id, port_id) VALUES (@subnetId, @ipAddress, @networkId, @portId)",
            new { subnetId, ipAddress, networkId = subnet["network_id"]!.GetValue<string>(), portId }, transaction);
        return ipAddress;
    }

    private static UInt128? FirstFree(Ipv6Layout layout, HashSet<UInt128> taken)
    {
        foreach (var (start, end) in layout.Pools)
        {
            // The taken addresses bound the search: one of the first taken.Count + 2 candidates is free.
            for (var candidate = start; candidate <= end && candidate - start <= (UInt128)(taken.Count + 2); candidate++)
            {
                if (!taken.Contains(candidate) && candidate != layout.Gateway)
                    return candidate;
            }
        }
        return null;
    }

    public static Task ReleaseAsync(DbConnection connection, DbTransaction transaction, string portId) =>
        connection.ExecuteAsync("DELETE FROM network_ip_allocations WHERE port_id = @portId", new { portId }, transaction);

    private static uint? FirstFree(SubnetLayout layout, HashSet<uint> taken)
    {
        foreach (var (start, end) in layout.Pools)
        {
            for (var candidate = start; candidate <= end && candidate >= start; candidate++)
            {
                if (!taken.Contains(candidate) && candidate != layout.Gateway)
                    return candidate;
            }
        }
        return null;
    }
}
