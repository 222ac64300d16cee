using CloudBox.Compute.Build;
using CloudBox.Compute.Servers;
using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Compute.ServerGroups;

/// <summary>
/// The scheduler's check of a server's group policy on a candidate host, and its claim of that
/// host: both in one transaction serialised per group, so builds running in parallel cannot both
/// take the last place an anti-affinity group has on the host (Nova needs a late re-check in the
/// compute service for that race; here the check and the claim are one step).
/// </summary>
public sealed class GroupPlacement(Database database)
{
    /// <summary>Sets the server's host when its group allows it there; throws <see cref="NoValidHostException"/> when not.</summary>
    public Task ClaimAsync(ServerRecord server, string host, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            var group = await connection.QueryFirstOrDefaultAsync<ServerGroupRecord>(
                "SELECT g.id, g.policy, g.rules FROM compute_server_groups g JOIN compute_server_group_members m ON m.group_id = g.id WHERE m.server_id = @id",
                new { id = server.Id }, transaction);
            if (group is not null && ServerGroupPolicy.FromRecord(group).PerHostLimit is { } limit)
            {
                await database.LockAsync(connection, transaction, "compute-server-group:" + group.Id);
                // The group's other live members already on the host (a retried build of this server does not count itself).
                var onHost = await connection.ExecuteScalarAsync<long>(
                    "SELECT COUNT(*) FROM compute_server_group_members m JOIN compute_servers s ON s.id = m.server_id " +
                    "WHERE m.group_id = @groupId AND s.id <> @id AND s.deleted = @no AND s.host = @host",
                    new { groupId = group.Id, id = server.Id, host, no = false }, transaction);
                if (onHost >= limit)
                    throw new NoValidHostException();
            }
            await connection.ExecuteAsync("UPDATE compute_servers SET host = @host WHERE id = @id", new { id = server.Id, host }, transaction);
        }, cancellationToken);
}
