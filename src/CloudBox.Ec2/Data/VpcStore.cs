using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Ec2.Data;

/// <summary>The <c>ec2_vpcs</c> table: which Neutron routers are VPCs, their CIDR, and each project's default VPC.</summary>
internal sealed class VpcStore(Database database)
{
    public sealed class VpcRow
    {
        public string RouterId { get; set; } = "";
        public string ProjectId { get; set; } = "";
        public string Cidr { get; set; } = "";
        public long DefaultFlag { get; set; }
        public bool IsDefault => DefaultFlag != 0;
    }

    private const string Columns = "router_id AS RouterId, project_id AS ProjectId, cidr AS Cidr, is_default AS DefaultFlag";

    public async Task AddAsync(string routerId, string projectId, string cidr, bool isDefault, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO ec2_vpcs (router_id, project_id, cidr, is_default) VALUES (@routerId, @projectId, @cidr, @isDefault)",
            new { routerId, projectId, cidr, isDefault = isDefault ? 1 : 0 }, cancellationToken: cancellationToken));
    }

    public async Task<List<VpcRow>> ListAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<VpcRow>(new CommandDefinition(
            $"SELECT {Columns} FROM ec2_vpcs WHERE project_id = @projectId ORDER BY router_id LIMIT 1000", new { projectId }, cancellationToken: cancellationToken))).ToList();
    }

    public async Task<VpcRow?> FindAsync(string routerId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<VpcRow>(new CommandDefinition(
            $"SELECT {Columns} FROM ec2_vpcs WHERE router_id = @routerId", new { routerId }, cancellationToken: cancellationToken));
    }

    public async Task RemoveAsync(string routerId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM ec2_vpcs WHERE router_id = @routerId", new { routerId }, cancellationToken: cancellationToken));
    }
}
