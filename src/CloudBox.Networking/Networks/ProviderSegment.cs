using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Data;
using CloudBox.Networking.Api;
using Dapper;

namespace CloudBox.Networking.Networks;

/// <summary>
/// How a network is carried: <c>vxlan</c> (tenant default, a VNI of its own), <c>flat</c> (untagged on
/// an operator-named physical network, one network per physical network) or <c>local</c> (this host only).
/// </summary>
public sealed record ProviderSegment(string NetworkType, string? PhysicalNetwork, int? SegmentationId)
{
    public const int MaxVni = (1 << 24) - 1;

    public static ProviderSegment FromRequest(JsonObject request, NetworkSettings settings)
    {
        var type = request.OptionalString("provider:network_type") ?? "vxlan";
        var physical = request.OptionalString("provider:physical_network");
        int? segmentation = null;
        if (request["provider:segmentation_id"] is { } node)
        {
            if (node.GetValueKind() != JsonValueKind.Number || !node.AsValue().TryGetValue<int>(out var value))
                throw NeutronFault.InvalidInput("provider:segmentation_id must be an integer");
            segmentation = value;
        }
        switch (type)
        {
            case "vxlan":
                if (physical is not null)
                    throw NeutronFault.InvalidInput("physical_network not allowed for vxlan provider network");
                if (segmentation is < 1 or > MaxVni)
                    throw NeutronFault.InvalidInput($"segmentation_id out of range (1 through {MaxVni})");
                break;
            case "flat":
                if (physical is null)
                    throw NeutronFault.InvalidInput("physical_network required for flat provider network");
                if (!settings.PhysicalNetworks.ContainsKey(physical))
                    throw NeutronFault.InvalidInput($"physical_network '{physical}' unknown for flat provider network");
                if (segmentation is not null)
                    throw NeutronFault.InvalidInput("segmentation_id not allowed for flat provider network");
                break;
            case "local":
                if (physical is not null || segmentation is not null)
                    throw NeutronFault.InvalidInput("physical_network and segmentation_id not allowed for local provider network");
                break;
            default:
                throw NeutronFault.InvalidInput($"network_type value '{type}' not supported");
        }
        return new ProviderSegment(type, physical, segmentation);
    }

    /// <summary>VXLAN's 50-byte encapsulation comes off the underlay's MTU.</summary>
    public int DefaultMtu(NetworkSettings settings) => NetworkType == "vxlan" ? settings.UnderlayMtu - 50 : settings.UnderlayMtu;

    /// <summary>Claims the VNI or the physical network inside the creating transaction; 409 when another network holds it.</summary>
    public async Task<ProviderSegment> ReserveAsync(Database database, DbConnection connection, DbTransaction transaction, string networkId)
    {
        await database.LockAsync(connection, transaction, "network:segments");
        switch (NetworkType)
        {
            case "vxlan":
                var vni = SegmentationId ?? await FirstFreeVniAsync(connection, transaction);
                if (await TakenAsync(connection, transaction, "vxlan", vni))
                    throw NeutronFault.Conflict("TunnelIdInUse", $"Unable to create the network. The tunnel ID {vni} is in use.");
                await ClaimAsync(connection, transaction, "vxlan", vni, networkId);
                return this with { SegmentationId = vni };
            case "flat":
                var key = "flat:" + PhysicalNetwork;
                if (await TakenAsync(connection, transaction, key, 0))
                    throw NeutronFault.Conflict("FlatNetworkInUse",
                        $"Unable to create the flat network. Physical network {PhysicalNetwork} is in use.");
                await ClaimAsync(connection, transaction, key, 0, networkId);
                return this;
            default:
                return this;
        }
    }

    public void WriteTo(JsonObject network)
    {
        network["provider:network_type"] = NetworkType;
        network["provider:physical_network"] = PhysicalNetwork;
        network["provider:segmentation_id"] = SegmentationId;
    }

    private static async Task<bool> TakenAsync(DbConnection connection, DbTransaction transaction, string type, int id) =>
        await connection.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM network_segments WHERE network_type = @type AND segmentation_id = @id", new { type, id }, transaction) > 0;

    private static Task ClaimAsync(DbConnection connection, DbTransaction transaction, string type, int id, string networkId) =>
        connection.ExecuteAsync("INSERT INTO network_segments (network_type, segmentation_id, network_id) VALUES (@type, @id, @networkId)",
            new { type, id, networkId }, transaction);

    /// <summary>The lowest VNI no network holds.</summary>
    private static async Task<int> FirstFreeVniAsync(DbConnection connection, DbTransaction transaction)
    {
        var taken = await connection.QueryAsync<int>(
            "SELECT segmentation_id FROM network_segments WHERE network_type = 'vxlan' ORDER BY segmentation_id", transaction: transaction);
        var candidate = 1;
        foreach (var id in taken)
        {
            if (id > candidate)
                break;
            if (id == candidate)
                candidate++;
        }
        if (candidate > MaxVni)
            throw new NeutronFault(503, "NoNetworkAvailable", "Unable to create the network. No tenant network is available for allocation.");
        return candidate;
    }
}
