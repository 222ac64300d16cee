using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Compute.Servers;

/// <summary>
/// The <c>compute_servers</c> table. State changes are compare-and-set on (vm_state, task_state)
/// so two concurrent actions cannot both start, and a stale worker cannot overwrite a newer state.
/// </summary>
public sealed class ServerStore(Database database, Networking.ServerNetworks networks)
{
    public const string Columns =
        "id, name, project_id, user_id, vm_state, task_state, power_state, image_id, image, flavor_id, flavor, vcpus, ram, disk, " +
        "key_name, key_data, metadata, user_data, config_drive, availability_zone, host, locked, locked_by, fault, access_ipv4, access_ipv6, " +
        "created_at, updated_at, launched_at, terminated_at, deleted, description, tags, network_interfaces";

    public const string Values =
        "@Id, @Name, @ProjectId, @UserId, @VmState, @TaskState, @PowerState, @ImageId, @Image, @FlavorId, @Flavor, @Vcpus, @Ram, @Disk, " +
        "@KeyName, @KeyData, @Metadata, @UserData, @ConfigDrive, @AvailabilityZone, @Host, @Locked, @LockedBy, @Fault, @AccessIpv4, @AccessIpv6, " +
        "@CreatedAt, @UpdatedAt, @LaunchedAt, @TerminatedAt, @Deleted, @Description, @Tags, @NetworkInterfaces";

    public Database Database => database;

    public async Task<ServerRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ServerRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM compute_servers WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>Servers matching a WHERE clause built by the caller from fixed SQL and parameters.</summary>
    public async Task<IReadOnlyList<ServerRecord>> QueryAsync(string where, object parameters, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<ServerRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM compute_servers WHERE {where} ORDER BY created_at DESC, id DESC", parameters, cancellationToken: cancellationToken));
        return rows.ToList();
    }

    /// <summary>
    /// One page of a server list, sorted and paged in SQL: rows matching <paramref name="where"/> (fixed SQL over
    /// <paramref name="parameters"/>) in <paramref name="order"/>, after the row <paramref name="marker"/> (a keyset:
    /// the rows that sort after the marker's own values), at most <paramref name="limit"/>. When <paramref name="keep"/>
    /// is given (filters SQL cannot express portably: a name regular expression, tags), rows are read in batches
    /// of a bounded size and tested until the page is full, so memory stays bounded by the page whatever the table holds.
    /// </summary>
    internal async Task<IReadOnlyList<ServerRecord>> ListPageAsync(string where, DynamicParameters parameters, IReadOnlyList<ServerSort> order,
        int limit, string? marker, Func<ServerRecord, bool>? keep, CancellationToken cancellationToken)
    {
        var page = new List<ServerRecord>(Math.Clamp(limit, 0, ListBatch));
        if (limit <= 0)
            return page;
        var orderBy = string.Join(", ", order.Select(s => $"{s.Expression} {(s.Descending ? "DESC" : "ASC")}"));
        var batch = keep is null ? limit : Math.Min(Math.Max(limit, 100), ListBatch);
        await using var connection = await database.OpenAsync(cancellationToken);
        var after = marker;
        while (true)
        {
            parameters.Add("list_after", after);
            parameters.Add("list_batch", batch);
            var sql = $"SELECT {Columns} FROM compute_servers WHERE ({where})" + (after is null ? "" : $" AND {After(order)}") +
                      $" ORDER BY {orderBy} LIMIT @list_batch";
            var rows = (await connection.QueryAsync<ServerRecord>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken))).AsList();
            foreach (var row in rows)
            {
                if (keep is not null && !keep(row))
                    continue;
                page.Add(row);
                if (page.Count == limit)
                    return page;
            }
            if (rows.Count < batch)
                return page;
            after = rows[^1].Id;
        }
    }

    /// <summary>Rows read at once when a list filters in memory (and the most a page allocates up front).</summary>
    private const int ListBatch = 500;

    /// <summary>
    /// The keyset condition "sorts after the row <c>@list_after</c>" for <paramref name="order"/>:
    /// (k1 after m1) OR (k1 = m1 AND k2 after m2) OR …, each m the marker row's own value read by a scalar subquery.
    /// </summary>
    private static string After(IReadOnlyList<ServerSort> order)
    {
        static string Of(ServerSort s) => $"(SELECT {s.Expression} FROM compute_servers WHERE id = @list_after)";
        var terms = new List<string>(order.Count);
        for (var i = 0; i < order.Count; i++)
        {
            var parts = order.Take(i).Select(s => $"{s.Expression} = {Of(s)}").ToList();
            parts.Add($"{order[i].Expression} {(order[i].Descending ? "<" : ">")} {Of(order[i])}");
            terms.Add("(" + string.Join(" AND ", parts) + ")");
        }
        return "(" + string.Join(" OR ", terms) + ")";
    }

    /// <summary>The project of server <paramref name="id"/>, deleted or not; null when there is no such row.</summary>
    internal async Task<string?> FindProjectAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT project_id FROM compute_servers WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>Servers the build worker must drive: building and not deleted, on this host or not yet scheduled.</summary>
    public Task<IReadOnlyList<ServerRecord>> ListBuildingAsync(CancellationToken cancellationToken) =>
        QueryAsync("vm_state = @building AND deleted = @no", new { building = ServerStates.Building, no = false }, cancellationToken);

    /// <summary>Every live server placed on <paramref name="host"/>.</summary>
    public Task<IReadOnlyList<ServerRecord>> ListOnHostAsync(string host, CancellationToken cancellationToken) =>
        QueryAsync("host = @host AND deleted = @no", new { host, no = false }, cancellationToken);

    /// <summary>
    /// Moves the server from (<paramref name="fromVm"/>, <paramref name="fromTask"/>) to the new states;
    /// false when it was not in the expected states (another action won, or it was deleted).
    /// </summary>
    public async Task<bool> TransitionAsync(string id, string fromVm, string? fromTask, string toVm, string? toTask, int? power, string now,
        CancellationToken cancellationToken, string? fault = null, bool setLaunched = false)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var sql = "UPDATE compute_servers SET vm_state = @toVm, task_state = @toTask, updated_at = @now" +
                  (power is null ? "" : ", power_state = @power") +
                  (fault is null ? "" : ", fault = @fault") +
                  (setLaunched ? ", launched_at = @now" : "") +
                  " WHERE id = @id AND deleted = @no AND vm_state = @fromVm AND " +
                  (fromTask is null ? "task_state IS NULL" : "task_state = @fromTask");
        var moved = await connection.ExecuteAsync(new CommandDefinition(sql,
            new { id, fromVm, fromTask, toVm, toTask, power, now, fault, no = false }, cancellationToken: cancellationToken)) > 0;
        // The server's ports follow its power state (ACTIVE while the VM runs), whatever action moved it.
        if (moved && power is { } state)
            await networks.SetActiveAsync(id, state == Drivers.PowerState.Running);
        return moved;
    }

    /// <summary>Sets fields that do not take part in the state machine.</summary>
    public async Task UpdateFieldsAsync(string id, string setClause, object parameters, CancellationToken cancellationToken)
    {
        var bound = new DynamicParameters(parameters);
        bound.Add("server_row_id", id);
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition($"UPDATE compute_servers SET {setClause} WHERE id = @server_row_id", bound, cancellationToken: cancellationToken));
    }

    /// <summary>Marks the server deleted (the row stays, for <c>changes-since</c> and usage).</summary>
    public async Task MarkDeletedAsync(string id, string now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE compute_servers SET deleted = @yes, vm_state = @deleted, task_state = NULL, power_state = 0, updated_at = @now, terminated_at = @now WHERE id = @id",
            new { id, now, yes = true, deleted = ServerStates.Deleted }, cancellationToken: cancellationToken));
    }
}
