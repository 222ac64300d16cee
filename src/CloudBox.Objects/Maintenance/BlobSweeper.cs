using CloudBox.Objects.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudBox.Objects.Maintenance;

/// <summary>
/// Deletes blob files no database row names: uploads a crash cut between the rename and the
/// commit, or unlinks a crash cut after the commit. Only files older than the grace period are
/// considered, so an upload whose transaction is still running is never touched.
/// </summary>
public sealed partial class BlobSweeper(BlobStore blobs, ObjectStore store, ObjectsSettings settings, TimeProvider clock, ILogger<BlobSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.SweeperPeriod, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunOnceAsync(clock.GetUtcNow().UtcDateTime - settings.SweeperGrace, stoppingToken);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                LogFailed(error);
            }
        }
    }

    /// <summary>Deletes unreferenced blob files last written before <paramref name="olderThan"/>; returns how many.</summary>
    public async Task<int> RunOnceAsync(DateTime olderThan, CancellationToken cancellationToken)
    {
        var swept = 0;
        foreach (var blobId in blobs.ListBlobIds(olderThan))
        {
            if (blobId.Length != 32 || await store.IsBlobReferencedAsync(blobId, cancellationToken))
                continue;
            blobs.Delete(blobId);
            swept++;
        }
        if (swept > 0)
            LogSwept(swept);
        return swept;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Swept {Count} orphaned blob files")]
    private partial void LogSwept(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Blob sweep failed; retrying")]
    private partial void LogFailed(Exception error);
}
