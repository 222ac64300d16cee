using System.Data.Common;
using CloudBox.Core.Data;
using CloudBox.Volumes.Volumes;
using Dapper;

namespace CloudBox.Volumes.Attachments;

/// <summary>
/// The <c>volumes_attachments</c> table. A volume's attach-related status is never written on its
/// own: each change of its attachment rows re-derives it in the same transaction (see
/// <see cref="SettleVolumeStatusAsync"/>), so row and status cannot disagree after a crash.
/// </summary>
public sealed class AttachmentStore(Database database)
{
    public const string Columns =
        "id, volume_id, server_id, host, device, status, attach_mode, owner, delete_on_termination, boot_index, connector, created_at, attached_at, updated_at";

    public const string Values =
        "@Id, @VolumeId, @ServerId, @Host, @Device, @Status, @AttachMode, @Owner, @DeleteOnTermination, @BootIndex, @Connector, @CreatedAt, @AttachedAt, @UpdatedAt";

    /// <summary>The statuses a volume takes from its attachments; other statuses (creating, error…) belong to the worker.</summary>
    private const string AttachStatuses = "('available', 'reserved', 'attaching', 'in-use', 'detaching')";

    public Database Database => database;

    public async Task<AttachmentRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<AttachmentRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM volumes_attachments WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<AttachmentRecord>> ListForVolumesAsync(IReadOnlyCollection<string> volumeIds, CancellationToken cancellationToken)
    {
        if (volumeIds.Count == 0)
            return [];
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<AttachmentRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM volumes_attachments WHERE {database.InList("volume_id", "ids")} ORDER BY created_at, id",
            new { ids = volumeIds.ToArray() }, cancellationToken: cancellationToken))).ToList();
    }

    public async Task<IReadOnlyList<AttachmentRecord>> ListForServersAsync(IReadOnlyCollection<string> serverIds, CancellationToken cancellationToken)
    {
        if (serverIds.Count == 0)
            return [];
        await using var connection = await database.OpenAsync(cancellationToken);
        if (serverIds.Count <= 20)
            return (await connection.QueryAsync<AttachmentRecord>(new CommandDefinition(
                $"SELECT {Columns} FROM volumes_attachments WHERE {database.InList("server_id", "ids")} ORDER BY created_at, id",
                new { ids = serverIds.ToArray() }, cancellationToken: cancellationToken))).ToList();
        // A long page (a thousand-server detail list): binding and planning an IN list of that many ids cost
        // more than reading every server's attachments, which are far fewer, and keeping the page's.
        var wanted = serverIds as IReadOnlySet<string> ?? serverIds.ToHashSet(StringComparer.Ordinal);
        return (await connection.QueryAsync<AttachmentRecord>(new CommandDefinition(
                $"SELECT {Columns} FROM volumes_attachments WHERE server_id IS NOT NULL ORDER BY created_at, id", cancellationToken: cancellationToken)))
            .Where(a => wanted.Contains(a.ServerId!)).ToList();
    }

    /// <summary>Every attachment, for the listing of the attachments API (filtered by project in the caller).</summary>
    public async Task<IReadOnlyList<AttachmentRecord>> ListAllAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<AttachmentRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM volumes_attachments ORDER BY created_at DESC, id DESC", cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>
    /// Runs <paramref name="work"/> on one volume in one transaction, serialised with every other
    /// change of that volume, then re-derives the volume's status from its attachment rows.
    /// </summary>
    public Task<T> ChangeAsync<T>(string volumeId, string now, Func<DbConnection, DbTransaction, VolumeRecord, Task<T>> work, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            await database.LockAsync(connection, transaction, "volumes:volume:" + volumeId);
            var volume = await connection.QuerySingleOrDefaultAsync<VolumeRecord>(
                $"SELECT {VolumeStore.Columns} FROM volumes_volumes WHERE id = @volumeId", new { volumeId }, transaction)
                ?? throw Core.Api.ApiFault.NotFound($"Volume {volumeId} could not be found.");
            var result = await work(connection, transaction, volume);
            await SettleVolumeStatusAsync(connection, transaction, volumeId, now);
            return result;
        }, cancellationToken);

    public static Task InsertAsync(DbConnection connection, DbTransaction transaction, AttachmentRecord attachment) =>
        connection.ExecuteAsync($"INSERT INTO volumes_attachments ({Columns}) VALUES ({Values})", attachment, transaction);

    public static Task UpdateAsync(DbConnection connection, DbTransaction transaction, AttachmentRecord attachment) =>
        connection.ExecuteAsync(
            "UPDATE volumes_attachments SET server_id = @ServerId, host = @Host, device = @Device, status = @Status, attach_mode = @AttachMode, " +
            "connector = @Connector, attached_at = @AttachedAt, updated_at = @UpdatedAt WHERE id = @Id", attachment, transaction);

    public static Task DeleteAsync(DbConnection connection, DbTransaction transaction, string id) =>
        connection.ExecuteAsync("DELETE FROM volumes_attachments WHERE id = @id", new { id }, transaction);

    public static async Task<IReadOnlyList<AttachmentRecord>> ListForVolumeAsync(DbConnection connection, DbTransaction transaction, string volumeId) =>
        (await connection.QueryAsync<AttachmentRecord>(
            $"SELECT {Columns} FROM volumes_attachments WHERE volume_id = @volumeId ORDER BY created_at, id", new { volumeId }, transaction)).ToList();

    /// <summary>
    /// The volume's status as its attachments make it: detaching while one detaches, in-use while
    /// one is attached, attaching, reserved, else available. Left alone while the volume is in a
    /// status of the worker's (creating, extending, deleting, error…).
    /// </summary>
    public static async Task SettleVolumeStatusAsync(DbConnection connection, DbTransaction transaction, string volumeId, string now)
    {
        var statuses = (await connection.QueryAsync<string>(
            "SELECT status FROM volumes_attachments WHERE volume_id = @volumeId", new { volumeId }, transaction)).ToHashSet();
        var derived =
            statuses.Contains(AttachmentStatus.Detaching) ? VolumeStatus.Detaching :
            statuses.Contains(AttachmentStatus.Attached) ? VolumeStatus.InUse :
            statuses.Contains(AttachmentStatus.Attaching) ? VolumeStatus.Attaching :
            statuses.Contains(AttachmentStatus.Reserved) ? VolumeStatus.Reserved :
            VolumeStatus.Available;
        await connection.ExecuteAsync(
            $"UPDATE volumes_volumes SET status = @derived, updated_at = @now WHERE id = @volumeId AND status IN {AttachStatuses} AND status <> @derived",
            new { derived, now, volumeId }, transaction);
    }
}
