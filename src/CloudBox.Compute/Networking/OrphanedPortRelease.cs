using CloudBox.Core.Data;
using CloudBox.Core.Modules;
using Dapper;

namespace CloudBox.Compute.Networking;

/// <summary>
/// At start, gives back the ports of servers that never came to be: a claim of this host whose
/// server row is missing means the process stopped between allocating the ports and writing the
/// server (claims of other hosts may belong to creates still running there).
/// </summary>
public sealed class OrphanedPortRelease(Database database, ServerNetworks networks, ComputeSettings settings) : IStartupTask
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        List<string> orphans;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            orphans = (await connection.QueryAsync<string>(new CommandDefinition(
                "SELECT c.server_id FROM compute_port_claims c LEFT JOIN compute_servers s ON s.id = c.server_id " +
                "WHERE c.host = @host AND (s.id IS NULL OR s.deleted = @yes)",
                new { host = settings.HostName, yes = true }, cancellationToken: cancellationToken))).ToList();
        }
        foreach (var serverId in orphans)
            await networks.ReleaseAsync(serverId, cancellationToken);
    }
}
