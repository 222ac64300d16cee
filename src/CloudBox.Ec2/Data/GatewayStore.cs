using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Ec2.Data;

/// <summary>
/// The <c>ec2_internet_gateways</c> table: EC2's internet gateways, which have no OpenStack resource of
/// their own (as in ec2-api); attached, one is the VPC router's external gateway. At most one per VPC
/// (a unique index on the router).
/// </summary>
internal sealed class GatewayStore(Database database, TimeProvider clock)
{
    public sealed class GatewayRow
    {
        public string Id { get; set; } = "";
        public string ProjectId { get; set; } = "";
        public string? RouterId { get; set; }
    }

    private const string Columns = "id AS Id, project_id AS ProjectId, router_id AS RouterId";

    public async Task AddAsync(string id, string projectId, string? routerId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO ec2_internet_gateways (id, project_id, router_id, created_at) VALUES (@id, @projectId, @routerId, @now)",
            new { id, projectId, routerId, now = clock.GetUtcNow().UtcDateTime.ToString("O") }, cancellationToken: cancellationToken));
    }

    public async Task<GatewayRow?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<GatewayRow>(new CommandDefinition(
            $"SELECT {Columns} FROM ec2_internet_gateways WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    public async Task<GatewayRow?> AttachedToAsync(string routerId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<GatewayRow>(new CommandDefinition(
            $"SELECT {Columns} FROM ec2_internet_gateways WHERE router_id = @routerId", new { routerId }, cancellationToken: cancellationToken));
    }

    public async Task<List<GatewayRow>> ListAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<GatewayRow>(new CommandDefinition(
            $"SELECT {Columns} FROM ec2_internet_gateways WHERE project_id = @projectId ORDER BY created_at, id LIMIT 1000",
            new { projectId }, cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>Attaches a detached gateway; false when it is attached already or the VPC has another (the unique index).</summary>
    public async Task<bool> AttachAsync(string id, string routerId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        try
        {
            return await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE ec2_internet_gateways SET router_id = @routerId WHERE id = @id AND router_id IS NULL",
                new { id, routerId }, cancellationToken: cancellationToken)) == 1;
        }
        catch (Exception error) when (Database.IsUniqueViolation(error))
        {
            return false;
        }
    }

    /// <summary>Detaches a gateway from <paramref name="routerId"/>; false when it was not attached there.</summary>
    public async Task<bool> DetachAsync(string id, string routerId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE ec2_internet_gateways SET router_id = NULL WHERE id = @id AND router_id = @routerId",
            new { id, routerId }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>Removes a detached gateway; false when it is attached (or gone).</summary>
    public async Task<bool> RemoveAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM ec2_internet_gateways WHERE id = @id AND router_id IS NULL", new { id }, cancellationToken: cancellationToken)) == 1;
    }
}
