using CloudBox.Core.Data;
using CloudBox.Ec2.Api;
using Dapper;

namespace CloudBox.Ec2.Data;

/// <summary>
/// Reservations (which RunInstances call made an instance, and its launch index) and RunInstances
/// client tokens: a token seen again with the same parameters answers the first call's
/// reservation; with other parameters it is <c>IdempotentParameterMismatch</c>.
/// </summary>
internal sealed class ReservationStore(Database database, TimeProvider clock)
{
    public sealed class InstanceRow
    {
        public string OsId { get; set; } = "";
        public string ReservationId { get; set; } = "";
        public long LaunchIndex { get; set; }
        public string? ClientToken { get; set; }
    }

    private sealed class TokenRow
    {
        public string RequestDigest { get; set; } = "";
        public string ReservationId { get; set; } = "";
    }

    /// <summary>Claims a client token for a new reservation; returns the existing reservation id when the token was used before.</summary>
    public async Task<string?> ClaimTokenAsync(string projectId, string clientToken, string digest, string reservationId, CancellationToken cancellationToken)
    {
        return await database.InTransactionAsync(async (connection, transaction) =>
        {
            await database.LockAsync(connection, transaction, "ec2-client-token:" + projectId + ":" + clientToken);
            var existing = await connection.QuerySingleOrDefaultAsync<TokenRow>(
                "SELECT request_digest AS RequestDigest, reservation_id AS ReservationId FROM ec2_client_tokens WHERE project_id = @projectId AND client_token = @clientToken",
                new { projectId, clientToken }, transaction);
            if (existing is { } found)
            {
                if (found.RequestDigest != digest)
                    throw new Ec2Error(400, "IdempotentParameterMismatch", $"The client token '{clientToken}' was already used with other parameters.");
                return found.ReservationId;
            }
            await connection.ExecuteAsync(
                "INSERT INTO ec2_client_tokens (project_id, client_token, request_digest, reservation_id, created_at) VALUES (@projectId, @clientToken, @digest, @reservationId, @now)",
                new { projectId, clientToken, digest, reservationId, now = clock.GetUtcNow().UtcDateTime.ToString("O") }, transaction);
            return (string?)null;
        }, cancellationToken);
    }

    public async Task AddAsync(string osId, string projectId, string reservationId, int launchIndex, string? clientToken, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO ec2_instances (os_id, project_id, reservation_id, launch_index, client_token) VALUES (@osId, @projectId, @reservationId, @launchIndex, @clientToken)",
            new { osId, projectId, reservationId, launchIndex, clientToken }, cancellationToken: cancellationToken));
    }

    public async Task<Dictionary<string, InstanceRow>> ForAsync(IReadOnlyCollection<string> osIds, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, InstanceRow>(StringComparer.Ordinal);
        if (osIds.Count == 0)
            return result;
        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var row in await connection.QueryAsync<InstanceRow>(new CommandDefinition(
                     $"SELECT os_id AS OsId, reservation_id AS ReservationId, launch_index AS LaunchIndex, client_token AS ClientToken FROM ec2_instances WHERE {IdList.Where(database, "os_id", "ids")}",
                     new { ids = IdList.Value(database, osIds.Distinct()) }, cancellationToken: cancellationToken)))
            result[row.OsId] = row;
        return result;
    }

    public async Task<List<string>> InstancesOfAsync(string reservationId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT os_id FROM ec2_instances WHERE reservation_id = @reservationId ORDER BY launch_index LIMIT 1000",
            new { reservationId }, cancellationToken: cancellationToken))).ToList();
    }
}
