using CloudBox.Core.Data;
using CloudBox.Core.Ids;
using CloudBox.Core.Modules;
using CloudBox.Volumes.Attachments;
using Dapper;
using Microsoft.Extensions.Logging;

namespace CloudBox.Volumes.Volumes;

/// <summary>
/// At start, before requests are served: a volume a crash left <c>uploading</c> returns to its
/// status, available or (when it has attachments) in-use. The upload itself is gone with the
/// process; the image it was writing was never activated (Images registers it whole or not at all),
/// and its temporary copy is removed with the other temporary files by the volume worker.
/// </summary>
public sealed partial class UploadSettler(Database database, TimeProvider clock, ILogger<UploadSettler> logger) : IStartupTask
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = Timestamps.ToStorage(clock.GetUtcNow());
        var settled = await database.InTransactionAsync(async (connection, transaction) =>
        {
            var ids = (await connection.QueryAsync<string>(
                "SELECT id FROM volumes_volumes WHERE status = @uploading", new { uploading = VolumeStatus.Uploading }, transaction)).ToList();
            foreach (var id in ids)
            {
                await connection.ExecuteAsync("UPDATE volumes_volumes SET status = @available, updated_at = @now WHERE id = @id AND status = @uploading",
                    new { available = VolumeStatus.Available, now, id, uploading = VolumeStatus.Uploading }, transaction);
                await AttachmentStore.SettleVolumeStatusAsync(connection, transaction, id, now);
            }
            return ids.Count;
        }, cancellationToken);
        if (settled > 0)
            LogSettled(settled);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} volumes a crash left uploading to an image are back in their status")]
    private partial void LogSettled(int count);
}
