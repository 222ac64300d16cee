using System.Collections.Concurrent;
using System.Security.Cryptography;
using CloudBox.Core.Data;
using CloudBox.Ec2.Api;
using CloudBox.Ec2.Data;
using Dapper;

namespace CloudBox.Ec2.Ids;

/// <summary>
/// The <c>ec2_ids</c> table: one EC2 id (<c>i-</c> + 17 hex digits…) per OpenStack resource, made
/// the first time EC2 shows the resource and kept for its life. Visibility is not decided here:
/// the id leads to the OpenStack resource, and the owning module answers the caller's token.
/// </summary>
internal sealed class Ec2IdStore(Database database, TimeProvider clock)
{
    /// <summary>Most ids remembered; a bound, not a cache policy: past it the memory starts again from the table.</summary>
    private const int MaxKnown = 200_000;

    private readonly ConcurrentDictionary<(string Kind, string OsId), string> _known = new();

    public static string NewId(Ec2Kind kind) => kind.Prefix + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(9))[..17];

    /// <summary>The OpenStack id behind <paramref name="ec2Id"/>; EC2's NotFound (or Malformed) error when there is none.</summary>
    public async Task<string> OsIdAsync(Ec2Kind kind, string ec2Id, CancellationToken cancellationToken)
    {
        kind.RequireWellFormed(ec2Id);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
                   "SELECT os_id FROM ec2_ids WHERE ec2_id = @ec2Id AND kind = @kind", new { ec2Id, kind = kind.Prefix }, cancellationToken: cancellationToken))
               ?? throw Ec2Error.NotFound(kind.NotFoundCode, ec2Id);
    }

    /// <summary>The OpenStack ids of several EC2 ids of one kind (all must exist), in order.</summary>
    public async Task<List<string>> OsIdsAsync(Ec2Kind kind, IReadOnlyList<string> ec2Ids, CancellationToken cancellationToken)
    {
        foreach (var id in ec2Ids)
            kind.RequireWellFormed(id);
        if (ec2Ids.Count == 0)
            return [];
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<(string Ec2Id, string OsId)>(new CommandDefinition(
            $"SELECT ec2_id, os_id FROM ec2_ids WHERE kind = @kind AND {IdList.Where(database, "ec2_id", "ids")}",
            new { kind = kind.Prefix, ids = IdList.Value(database, ec2Ids.Distinct()) }, cancellationToken: cancellationToken))).ToDictionary(r => r.Ec2Id, r => r.OsId);
        var result = new List<string>(ec2Ids.Count);
        foreach (var id in ec2Ids)
            result.Add(rows.TryGetValue(id, out var os) ? os : throw Ec2Error.NotFound(kind.NotFoundCode, id));
        return result;
    }

    public async Task<string> Ec2IdAsync(Ec2Kind kind, string osId, CancellationToken cancellationToken) =>
        (await Ec2IdsAsync(kind, [osId], cancellationToken))[osId];

    /// <summary>The EC2 ids of OpenStack resources of one kind, made for those that have none yet (in one transaction).</summary>
    public async Task<Dictionary<string, string>> Ec2IdsAsync(Ec2Kind kind, IReadOnlyCollection<string> osIds, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, string>(osIds.Count, StringComparer.Ordinal);
        if (osIds.Count == 0)
            return result;
        // An id never changes for the life of its resource (and OpenStack ids are not reused): ids seen once are answered from memory.
        var missing = new List<string>();
        foreach (var osId in osIds)
        {
            if (_known.TryGetValue((kind.Prefix, osId), out var known))
                result[osId] = known;
            else if (!result.ContainsKey(osId))
                missing.Add(osId);
        }
        if (missing.Count == 0)
            return result;
        var distinct = missing.Distinct().ToArray();
        // Most resources were shown before: read without a write transaction, and only make the missing ids in one.
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            foreach (var (osId, ec2Id) in await connection.QueryAsync<(string, string)>(new CommandDefinition(
                         $"SELECT os_id, ec2_id FROM ec2_ids WHERE kind = @kind AND {IdList.Where(database, "os_id", "ids")}",
                         new { kind = kind.Prefix, ids = IdList.Value(database, distinct) }, cancellationToken: cancellationToken)))
                Remember(kind, osId, ec2Id, result);
        }
        if (result.Count == osIds.Distinct().Count())
            return result;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var made = await database.InTransactionAsync(async (connection, transaction) =>
                {
                    var found = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var (osId, ec2Id) in await connection.QueryAsync<(string, string)>(
                                 $"SELECT os_id, ec2_id FROM ec2_ids WHERE kind = @kind AND {IdList.Where(database, "os_id", "ids")}",
                                 new { kind = kind.Prefix, ids = IdList.Value(database, distinct) }, transaction))
                        found[osId] = ec2Id;
                    var now = clock.GetUtcNow().UtcDateTime.ToString("O");
                    foreach (var osId in distinct)
                    {
                        if (found.ContainsKey(osId))
                            continue;
                        var ec2Id = NewId(kind);
                        await connection.ExecuteAsync("INSERT INTO ec2_ids (ec2_id, kind, os_id, created_at) VALUES (@ec2Id, @kind, @osId, @now)",
                            new { ec2Id, kind = kind.Prefix, osId, now }, transaction);
                        found[osId] = ec2Id;
                    }
                    return found;
                }, cancellationToken);
                // Remembered only once committed.
                foreach (var (osId, ec2Id) in made)
                    Remember(kind, osId, ec2Id, result);
                return result;
            }
            catch (Exception error) when (Database.IsUniqueViolation(error) && attempt < 3)
            {
                // Another request named the same resource at the same moment: read its id.
            }
        }
    }

    private void Remember(Ec2Kind kind, string osId, string ec2Id, Dictionary<string, string> result)
    {
        result[osId] = ec2Id;
        if (_known.Count >= MaxKnown)
            _known.Clear();
        _known[(kind.Prefix, osId)] = ec2Id;
    }

    /// <summary>Records a chosen EC2 id for a new resource (named after its EC2 id before it existed).</summary>
    public async Task BindAsync(Ec2Kind kind, string ec2Id, string osId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("INSERT INTO ec2_ids (ec2_id, kind, os_id, created_at) VALUES (@ec2Id, @kind, @osId, @now)",
            new { ec2Id, kind = kind.Prefix, osId, now = clock.GetUtcNow().UtcDateTime.ToString("O") }, cancellationToken: cancellationToken));
    }

    /// <summary>Forgets the id of a resource that is gone.</summary>
    public async Task ForgetAsync(Ec2Kind kind, string osId, CancellationToken cancellationToken)
    {
        _known.TryRemove((kind.Prefix, osId), out _);
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM ec2_ids WHERE kind = @kind AND os_id = @osId",
            new { kind = kind.Prefix, osId }, cancellationToken: cancellationToken));
    }
}
