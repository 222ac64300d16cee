using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Orchestration.Data;

/// <summary>The SQL of stack snapshots (at most <see cref="MaxPerStack"/> per stack, as Heat's default).</summary>
internal sealed class SnapshotStore(Database database)
{
    public const int MaxPerStack = 32;

    private const string Columns = "id, stack_id, name, status, status_reason, data, created_at";

    /// <summary>Inserts the snapshot unless the stack already holds <see cref="MaxPerStack"/>; false then.</summary>
    public async Task<bool> InsertAsync(SnapshotRecord snapshot, CancellationToken cancellationToken) =>
        await database.InTransactionAsync(async (c, t) =>
        {
            await database.LockAsync(c, t, "orchestration-snapshots:" + snapshot.StackId);
            var count = await c.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM orchestration_snapshots WHERE stack_id = @StackId", snapshot, t, cancellationToken: cancellationToken));
            if (count >= MaxPerStack)
                return false;
            await c.ExecuteAsync(new CommandDefinition(
                $"INSERT INTO orchestration_snapshots ({Columns}) VALUES (@Id, @StackId, @Name, @Status, @StatusReason, @Data, @CreatedAt)",
                snapshot, t, cancellationToken: cancellationToken));
            return true;
        }, cancellationToken);

    public async Task<IReadOnlyList<SnapshotRecord>> ListAsync(string stackId, CancellationToken cancellationToken)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return (await c.QueryAsync<SnapshotRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM orchestration_snapshots WHERE stack_id = @stackId ORDER BY created_at, id LIMIT {MaxPerStack}", new { stackId }, cancellationToken: cancellationToken))).AsList();
    }

    public async Task<SnapshotRecord?> GetAsync(string stackId, string id, CancellationToken cancellationToken)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return await c.QuerySingleOrDefaultAsync<SnapshotRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM orchestration_snapshots WHERE stack_id = @stackId AND id = @id", new { stackId, id }, cancellationToken: cancellationToken));
    }

    public async Task<bool> DeleteAsync(string stackId, string id, CancellationToken cancellationToken)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return await c.ExecuteAsync(new CommandDefinition(
            "DELETE FROM orchestration_snapshots WHERE stack_id = @stackId AND id = @id", new { stackId, id }, cancellationToken: cancellationToken)) > 0;
    }
}
