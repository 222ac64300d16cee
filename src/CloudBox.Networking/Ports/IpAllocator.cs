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
