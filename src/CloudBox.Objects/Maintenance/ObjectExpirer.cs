using CloudBox.Objects.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudBox.Objects.Maintenance;

/// <summary>
/// Removes objects whose <c>X-Delete-At</c> has passed. Reads already hide them the moment they
/// expire; this frees their bytes and fixes the container counters.
/// </summary>
public sealed partial class ObjectExpirer(ObjectStore store, ObjectsSettings settings, TimeProvider clock, ILogger<ObjectExpirer> logger) : BackgroundService
{
    private const int Batch = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.ExpirerPeriod, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                LogFailed(error);
            }
        }
    }

    /// <summary>Deletes every object expired by now; returns how many.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            var expired = await store.ExpiredObjectsAsync(Batch, cancellationToken);
            foreach (var (projectId, container, name) in expired)
                await store.DeleteObjectAsync(projectId, container, name, cancellationToken);
            total += expired.Count;
            if (expired.Count < Batch)
                break;
        }
        if (total > 0)
            LogExpired(total);
        return total;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} expired objects")]
    private partial void LogExpired(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Object expirer pass failed; retrying")]
    private partial void LogFailed(Exception error);
}
