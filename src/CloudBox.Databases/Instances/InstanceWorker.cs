using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using CloudBox.Core.Workers;

namespace CloudBox.Databases.Instances;

/// <summary>Wakes the instance worker when an instance is created, deleted or heard from.</summary>
internal sealed class InstanceSignal : WorkSignal;

/// <summary>
/// Drives every unfinished instance (building, deleting) through <see cref="InstanceBuilder"/>. What it
/// does lives in the database, so after a crash it picks up where the last run stopped.
/// </summary>
internal sealed partial class InstanceWorker(InstanceStore instances, InstanceBuilder builder, InstanceSignal signal,
    DatabasesSettings settings, ILogger<InstanceWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var instance in await instances.UnfinishedAsync(stoppingToken))
                {
                    // A few steps at once per instance, then the next instance: one slow build does not hold up the others.
                    for (var i = 0; i < 4 && await builder.StepAsync(instance, stoppingToken); i++)
                    {
                    }
                }
                await signal.WaitAsync(settings.WorkerInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                LogPassFailed(logger, error);
                await Task.Delay(settings.WorkerInterval, stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A pass of the database instance worker failed; it runs again")]
    private static partial void LogPassFailed(ILogger logger, Exception error);
}
