using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudBox.Telemetry.Storage;

/// <summary>
/// Gnocchi's metricd: folds queued measures into their metrics' aggregates when measures pushed
/// through the API arrive, at the latest every processing delay (the collector's polls, which
/// wake nothing), and at start whatever a crash left queued. Reads with <c>refresh=true</c> drain the queue first.
/// </summary>
internal sealed partial class MeasureProcessor(MeasureStore store, MeasureSignal signal, TelemetrySettings settings, ILogger<MeasureProcessor> logger) : BackgroundService
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public long Processed { get; private set; }

    /// <summary>Processes everything queued now; returns when the queue is empty.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            while (true)
            {
                var taken = await store.ProcessAsync(cancellationToken);
                Processed += taken;
                if (taken == 0)
                    return;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DrainAsync(stoppingToken);
                await signal.WaitAsync(settings.ProcessingDelay, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                LogFailed(error);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Aggregating queued measures failed; retrying")]
    private partial void LogFailed(Exception error);
}
