using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Images.Import;

/// <summary>The <c>images_tasks</c> table.</summary>
public sealed class TaskStore(Database database)
{
    private const string Columns = "id, image_id, owner, type, status, input, message, created_at, updated_at";

    public async Task InsertAsync(TaskRecord task, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            $"INSERT INTO images_tasks ({Columns}) VALUES (@Id, @ImageId, @Owner, @Type, @Status, @Input, @Message, @CreatedAt, @UpdatedAt)",
            task, cancellationToken: cancellationToken));
    }

    public async Task<TaskRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<TaskRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM images_tasks WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<TaskRecord>> ListForImageAsync(string imageId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<TaskRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM images_tasks WHERE image_id = @imageId ORDER BY created_at DESC", new { imageId }, cancellationToken: cancellationToken));
        return rows.ToList();
    }

    /// <summary>Tasks not finished: pending ones, and processing ones a crash interrupted (their work is redone from the start).</summary>
    public async Task<IReadOnlyList<TaskRecord>> ListUnfinishedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<TaskRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM images_tasks WHERE status IN ('pending', 'processing') ORDER BY created_at", cancellationToken: cancellationToken));
        return rows.ToList();
    }

    public async Task SetStatusAsync(string id, string status, string message, string now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE images_tasks SET status = @status, message = @message, updated_at = @now WHERE id = @id",
            new { id, status, message, now }, cancellationToken: cancellationToken));
    }
}
