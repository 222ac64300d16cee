using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Volumes.Volumes;

/// <summary>The <c>volumes_volumes</c> table. Status changes are compare-and-set.</summary>
public sealed class VolumeStore(Database database)
{
    public const string Columns =
        "id, project_id, user_id, name, description, status, size_gb, requested_size_gb, type_id, bootable, readonly, snapshot_id, " +
        "source_volid, image_id, image_metadata, metadata, fault, created_at, updated_at, multiattach";

    public const string Values =
        "@Id, @ProjectId, @UserId, @Name, @Description, @Status, @SizeGb, @RequestedSizeGb, @TypeId, @Bootable, @Readonly, @SnapshotId, " +
        "@SourceVolid, @ImageId, @ImageMetadata, @Metadata, @Fault, @CreatedAt, @UpdatedAt, @Multiattach";

    public async Task<VolumeRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<VolumeRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM volumes_volumes WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>The project's volumes (every project's when <paramref name="projectId"/> is null), newest first.</summary>
    public async Task<IReadOnlyList<VolumeRecord>> ListAsync(string? projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var sql = projectId is null
            ? $"SELECT {Columns} FROM volumes_volumes ORDER BY created_at DESC, id DESC"
            : $"SELECT {Columns} FROM volumes_volumes WHERE project_id = @projectId ORDER BY created_at DESC, id DESC";
        return (await connection.QueryAsync<VolumeRecord>(new CommandDefinition(sql, new { projectId }, cancellationToken: cancellationToken))).ToList();
    }

    public async Task<IReadOnlyList<VolumeRecord>> ListByStatusAsync(string[] statuses, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<VolumeRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM volumes_volumes WHERE {database.InList("status", "statuses")}", new { statuses }, cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>Writes the volume's mutable fields if its status is still <paramref name="expectedStatus"/>.</summary>
    public async Task<bool> UpdateAsync(VolumeRecord volume, string expectedStatus, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters(volume);
        parameters.Add("expectedStatus", expectedStatus);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE volumes_volumes SET name = @Name, description = @Description, status = @Status, size_gb = @SizeGb, " +
            "requested_size_gb = @RequestedSizeGb, type_id = @TypeId, bootable = @Bootable, readonly = @Readonly, multiattach = @Multiattach, " +
            "image_metadata = @ImageMetadata, metadata = @Metadata, fault = @Fault, updated_at = @UpdatedAt " +
            "WHERE id = @Id AND status = @expectedStatus", parameters, cancellationToken: cancellationToken)) == 1;
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM volumes_volumes WHERE id = @id", new { id }, cancellationToken: cancellationToken)) == 1;
    }
}
