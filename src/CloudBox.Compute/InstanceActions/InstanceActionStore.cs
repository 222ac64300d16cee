using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Compute.InstanceActions;

/// <summary>One recorded action on a server (create, stop, reboot…), keyed by the request that asked for it.</summary>
public sealed class InstanceActionRecord
{
    public string RequestId { get; set; } = "";
    public string ServerId { get; set; } = "";
    public string Action { get; set; } = "";
    public string ProjectId { get; set; } = "";
    public string UserId { get; set; } = "";
    public string? Message { get; set; }
    public string StartTime { get; set; } = "";
}

/// <summary>The <c>compute_instance_actions</c> table.</summary>
public sealed class InstanceActionStore(Database database)
{
    private const string Columns = "request_id, server_id, action, project_id, user_id, message, start_time";

    public async Task RecordAsync(InstanceActionRecord action, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                $"INSERT INTO compute_instance_actions ({Columns}) VALUES (@RequestId, @ServerId, @Action, @ProjectId, @UserId, @Message, @StartTime)",
                action, cancellationToken: cancellationToken));
        }
        catch (Exception error) when (Database.IsUniqueViolation(error))
        {
            // The same request recorded twice (multi-create retries): one record is enough.
        }
    }

    public async Task SetMessageAsync(string serverId, string requestId, string message, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE compute_instance_actions SET message = @message WHERE server_id = @serverId AND request_id = @requestId",
            new { serverId, requestId, message }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<InstanceActionRecord>> ListAsync(string serverId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<InstanceActionRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM compute_instance_actions WHERE server_id = @serverId ORDER BY start_time DESC, request_id DESC",
            new { serverId }, cancellationToken: cancellationToken));
        return rows.ToList();
    }
}
