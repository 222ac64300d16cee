using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Ec2.Data;

/// <summary>
/// Route tables (<c>ec2_route_tables</c>, one main table per VPC by a partial unique index), their
/// routes beyond the implicit local one (<c>ec2_routes</c>: to an internet gateway or to a Neutron
/// port) and which table each subnet is explicitly associated with (<c>ec2_route_associations</c>;
/// a subnet without a row follows its VPC's main table).
/// </summary>
internal sealed class RouteTableStore(Database database, TimeProvider clock)
{
    public sealed class TableRow
    {
        public string Id { get; set; } = "";
        public string ProjectId { get; set; } = "";
        public string RouterId { get; set; } = "";
        public long MainFlag { get; set; }
        public bool IsMain => MainFlag != 0;
    }

    public sealed class RouteRow
    {
        public string RouteTableId { get; set; } = "";
        public string Destination { get; set; } = "";
        public string? GatewayId { get; set; }
        public string? PortId { get; set; }
    }

    public sealed class AssociationRow
    {
        public string SubnetId { get; set; } = "";
        public string RouteTableId { get; set; } = "";
    }

    private const string TableColumns = "id AS Id, project_id AS ProjectId, router_id AS RouterId, is_main AS MainFlag";
    private const string RouteColumns = "route_table_id AS RouteTableId, destination AS Destination, gateway_id AS GatewayId, port_id AS PortId";

    /// <summary>Adds a table; false when <paramref name="isMain"/> and the VPC has a main table already.</summary>
    public async Task<bool> AddAsync(string id, string projectId, string routerId, bool isMain, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO ec2_route_tables (id, project_id, router_id, is_main, created_at) VALUES (@id, @projectId, @routerId, @main, @now)",
                new { id, projectId, routerId, main = isMain ? 1 : 0, now = clock.GetUtcNow().UtcDateTime.ToString("O") }, cancellationToken: cancellationToken));
            return true;
        }
        catch (Exception error) when (isMain && Database.IsUniqueViolation(error))
        {
            return false;
        }
    }

    public async Task<TableRow?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<TableRow>(new CommandDefinition(
            $"SELECT {TableColumns} FROM ec2_route_tables WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    public async Task<TableRow?> MainOfAsync(string routerId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<TableRow>(new CommandDefinition(
            $"SELECT {TableColumns} FROM ec2_route_tables WHERE router_id = @routerId AND is_main = 1", new { routerId }, cancellationToken: cancellationToken));
    }

    public async Task<List<TableRow>> ListAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<TableRow>(new CommandDefinition(
            $"SELECT {TableColumns} FROM ec2_route_tables WHERE project_id = @projectId ORDER BY created_at, id LIMIT 1000",
            new { projectId }, cancellationToken: cancellationToken))).ToList();
    }

    public async Task<List<TableRow>> OfRouterAsync(string routerId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<TableRow>(new CommandDefinition(
            $"SELECT {TableColumns} FROM ec2_route_tables WHERE router_id = @routerId ORDER BY created_at, id LIMIT 1000",
            new { routerId }, cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>The routes of the given tables (at most 50 each, as EC2 allows), by table.</summary>
    public async Task<Dictionary<string, List<RouteRow>>> RoutesAsync(IReadOnlyCollection<string> tableIds, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, List<RouteRow>>(StringComparer.Ordinal);
        if (tableIds.Count == 0)
            return result;
        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var row in await connection.QueryAsync<RouteRow>(new CommandDefinition(
                     $"SELECT {RouteColumns} FROM ec2_routes WHERE {IdList.Where(database, "route_table_id", "ids")} ORDER BY route_table_id, destination",
                     new { ids = IdList.Value(database, tableIds) }, cancellationToken: cancellationToken)))
        {
            if (!result.TryGetValue(row.RouteTableId, out var list))
                result[row.RouteTableId] = list = [];
            list.Add(row);
        }
        return result;
    }

    public const int MaxRoutesPerTable = 50;

    /// <summary>Sets the route to <paramref name="destination"/> (added, or replaced when <paramref name="replace"/>); false when over the limit.</summary>
    public async Task<bool> SetRouteAsync(string tableId, string destination, string? gatewayId, string? portId, CancellationToken cancellationToken)
    {
        return await database.InTransactionAsync(async (connection, transaction) =>
        {
            await database.LockAsync(connection, transaction, "ec2-routes:" + tableId);
            await connection.ExecuteAsync("DELETE FROM ec2_routes WHERE route_table_id = @tableId AND destination = @destination",
                new { tableId, destination }, transaction);
            var count = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM ec2_routes WHERE route_table_id = @tableId", new { tableId }, transaction);
            if (count >= MaxRoutesPerTable)
                return false;
            await connection.ExecuteAsync(
                "INSERT INTO ec2_routes (route_table_id, destination, gateway_id, port_id) VALUES (@tableId, @destination, @gatewayId, @portId)",
                new { tableId, destination, gatewayId, portId }, transaction);
            return true;
        }, cancellationToken);
    }

    public async Task<bool> RemoveRouteAsync(string tableId, string destination, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("DELETE FROM ec2_routes WHERE route_table_id = @tableId AND destination = @destination",
            new { tableId, destination }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>Every explicit subnet association of the given tables.</summary>
    public async Task<List<AssociationRow>> AssociationsAsync(IReadOnlyCollection<string> tableIds, CancellationToken cancellationToken)
    {
        if (tableIds.Count == 0)
            return [];
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<AssociationRow>(new CommandDefinition(
            $"SELECT subnet_id AS SubnetId, route_table_id AS RouteTableId FROM ec2_route_associations WHERE {IdList.Where(database, "route_table_id", "ids")} ORDER BY subnet_id",
            new { ids = IdList.Value(database, tableIds) }, cancellationToken: cancellationToken))).ToList();
    }

    public async Task<string?> AssociationOfAsync(string subnetId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT route_table_id FROM ec2_route_associations WHERE subnet_id = @subnetId", new { subnetId }, cancellationToken: cancellationToken));
    }

    /// <summary>Associates a subnet with a table; false when the subnet has an association already.</summary>
    public async Task<bool> AssociateAsync(string subnetId, string tableId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition("INSERT INTO ec2_route_associations (subnet_id, route_table_id) VALUES (@subnetId, @tableId)",
                new { subnetId, tableId }, cancellationToken: cancellationToken));
            return true;
        }
        catch (Exception error) when (Database.IsUniqueViolation(error))
        {
            return false;
        }
    }

    public async Task<bool> ReassociateAsync(string subnetId, string tableId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("UPDATE ec2_route_associations SET route_table_id = @tableId WHERE subnet_id = @subnetId",
            new { subnetId, tableId }, cancellationToken: cancellationToken)) == 1;
    }

    public async Task<bool> DisassociateAsync(string subnetId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("DELETE FROM ec2_route_associations WHERE subnet_id = @subnetId",
            new { subnetId }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>Makes <paramref name="tableId"/> its VPC's main table (the old main one becomes an ordinary table).</summary>
    public async Task MakeMainAsync(string routerId, string tableId, CancellationToken cancellationToken)
    {
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await database.LockAsync(connection, transaction, "ec2-main-route-table:" + routerId);
            await connection.ExecuteAsync("UPDATE ec2_route_tables SET is_main = 0 WHERE router_id = @routerId AND is_main = 1", new { routerId }, transaction);
            await connection.ExecuteAsync("UPDATE ec2_route_tables SET is_main = 1 WHERE id = @tableId AND router_id = @routerId", new { routerId, tableId }, transaction);
        }, cancellationToken);
    }

    /// <summary>Removes a table with its routes; false when it is a main table or has subnet associations.</summary>
    public async Task<bool> RemoveAsync(string id, bool evenMain, CancellationToken cancellationToken)
    {
        return await database.InTransactionAsync(async (connection, transaction) =>
        {
            await database.LockAsync(connection, transaction, "ec2-routes:" + id);
            if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM ec2_route_associations WHERE route_table_id = @id", new { id }, transaction) > 0)
                return false;
            var removed = await connection.ExecuteAsync(
                evenMain ? "DELETE FROM ec2_route_tables WHERE id = @id" : "DELETE FROM ec2_route_tables WHERE id = @id AND is_main = 0", new { id }, transaction);
            if (removed == 0)
                return false;
            await connection.ExecuteAsync("DELETE FROM ec2_routes WHERE route_table_id = @id", new { id }, transaction);
            return true;
        }, cancellationToken);
    }
}
