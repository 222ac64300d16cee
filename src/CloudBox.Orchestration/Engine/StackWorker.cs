using System.Collections.Concurrent;
using CloudBox.Orchestration.Data;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudBox.Orchestration.Engine;

/// <summary>
/// Drives every stack whose operation is IN_PROGRESS, each on its own task: those a request just
/// started and, at start, those a crash or a stop left unfinished (which resume where their rows say).
/// </summary>
internal sealed partial class StackWorker(StackStore store, StackEngine engine, StackWorkSignal signal, ILogger<StackWorker> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, Task> _running = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var id in await store.InProgressStackIdsAsync(stoppingToken))
                {
                    if (_running.ContainsKey(id))
                        continue;
                    _running[id] = Task.Run(async () =>
                    {
                        try
                        {
                            await engine.RunAsync(id, stoppingToken);
                        }
                        catch (Exception error) when (error is not OperationCanceledException)
                        {
                            LogFailed(logger, id, error);
                        }
                        finally
                        {
                            _running.TryRemove(id, out _);
                            signal.Notify();
                        }
                    }, CancellationToken.None);
                }
                await signal.WaitAsync(TimeSpan.FromSeconds(5), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception error)
            {
                LogFailed(logger, "*", error);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
        await Task.WhenAll(_running.Values).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Stack worker: stack {StackId} failed unexpectedly")]
    private static partial void LogFailed(ILogger logger, string stackId, Exception error);
}
