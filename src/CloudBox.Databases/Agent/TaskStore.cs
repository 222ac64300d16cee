using System.Text.Json;
using CloudBox.Core.Data;
using CloudBox.Core.Ids;
using CloudBox.Databases.Api;
using Dapper;

namespace CloudBox.Databases.Agent;

/// <summary>The <c>databases_tasks</c> table: each instance's queue of agent tasks, in order.</summary>
internal sealed class TaskStore(Database database, TimeProvider clock)
{
    private const string Columns = "id, instance_id, seq, kind, payload, state, result, created_at, updated_at";

    public Task<string> EnqueueAsync(string instanceId, string kind, TaskPayload payload, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            await database.LockAsync(connection, transaction, "databases-tasks:" + instanceId);
            var seq = await connection.ExecuteScalarAsync<long>(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM databases_tasks WHERE instance_id = @instanceId", new { instanceId }, transaction);
            var now = Timestamps.ToStorage(clock.GetUtcNow());
            var record = new TaskRecord
            {
                Id = Identifiers.NewUuid(),
                InstanceId = instanceId,
                Seq = seq,
                Kind = kind,
                Payload = JsonSerializer.Serialize(payload, TroveJson.Default.TaskPayload),
                State = TaskStates.Pending,
                CreatedAt = now,
                UpdatedAt = now,
            };
            await connection.ExecuteAsync(
                $"INSERT INTO databases_tasks ({Columns}) VALUES (@Id, @InstanceId, @Seq, @Kind, @Payload, @State, @Result, @CreatedAt, @UpdatedAt)", record, transaction);
            return record.Id;
        }, cancellationToken);

    /// <summary>
    /// The instance's oldest unfinished task, marked running. A task handed out before and never answered
    /// (the agent died doing it) is handed out again: the agent's actions are idempotent.
    /// </summary>
    public Task<TaskRecord?> NextAsync(string instanceId, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            var task = await connection.QueryFirstOrDefaultAsync<TaskRecord>(
                $"SELECT {Columns} FROM databases_tasks WHERE instance_id = @instanceId AND state IN ('pending', 'running') ORDER BY seq LIMIT 1",
                new { instanceId }, transaction);
            if (task is null)
                return null;
            task.State = TaskStates.Running;
            task.UpdatedAt = Timestamps.ToStorage(clock.GetUtcNow());
            await connection.ExecuteAsync("UPDATE databases_tasks SET state = @State, updated_at = @UpdatedAt WHERE id = @Id", task, transaction);
            return task;
        }, cancellationToken);

    /// <summary>Records the agent's answer; false when the task is unknown or already finished (a repeated answer).</summary>
    public async Task<bool> CompleteAsync(string instanceId, string taskId, AgentTaskResult result, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE databases_tasks SET state = @state, result = @result, updated_at = @now WHERE id = @taskId AND instance_id = @instanceId AND state IN ('pending', 'running')",
            new
            {
                state = result.Ok ? TaskStates.Done : TaskStates.Failed,
                result = JsonSerializer.Serialize(result, TroveJson.Default.AgentTaskResult),
                now = Timestamps.ToStorage(clock.GetUtcNow()),
                taskId,
                instanceId,
            }, cancellationToken: cancellationToken)) > 0;
    }

    public async Task<TaskRecord?> FindAsync(string taskId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<TaskRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM databases_tasks WHERE id = @taskId", new { taskId }, cancellationToken: cancellationToken));
    }

    /// <summary>Ends every unfinished task of an instance that is going away.</summary>
    public async Task DeleteForInstanceAsync(string instanceId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM databases_tasks WHERE instance_id = @instanceId", new { instanceId }, cancellationToken: cancellationToken));
    }
}
