using CloudBox.Core.Health;
using CloudBox.Networking.Data;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudBox.Networking.DataPlane;

/// <summary>
/// Runs the data plane: one full pass at start (the rebuild after a restart or reboot), then a
/// pass after each burst of API changes. A failed pass is logged and retried on the next change
/// or after a back-off, never left half-applied for long.
/// </summary>
public sealed partial class DataPlaneReconciler(ResourceStore store, LinuxDataPlane dataPlane, NetworkChanges changes, NetworkSettings settings,
    ILogger<DataPlaneReconciler> logger, ReadinessGate? health = null) : BackgroundService
{
    private readonly SemaphoreSlim _pass = new(1, 1);

    /// <summary>Completed passes, so tests can wait for the kernel to catch up with an API call.</summary>
    public int Passes { get; private set; }

    /// <summary>Converges now; returns when the kernel matches the database as of this call.</summary>
    public async Task ReconcileNowAsync(CancellationToken cancellationToken)
    {
        await _pass.WaitAsync(cancellationToken);
        try
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var state = await DesiredState.LoadAsync(store, cancellationToken);
            var loaded = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            await Task.Run(() => dataPlane.Apply(state), cancellationToken);
            Passes++;
            LogPass(state.Networks.Count, state.Ports.Count, state.Routers.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                loaded, dataPlane.LastPhases);
        }
        finally
        {
            _pass.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ReconcileNowAsync(stoppingToken);
                failures = 0;
                health?.Recovered("network data plane");
                await changes.WaitAsync(stoppingToken);
                await Task.Delay(settings.ReconcileDelay, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                failures++;
                LogPassFailed(error);
                health?.Failed("network data plane", error.Message.ReplaceLineEndings(" "));
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, failures)), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "data plane pass: {Networks} networks, {Ports} ports, {Routers} routers in {Milliseconds:F0} ms (database {Loaded:F0} ms, {Phases})")]
    private partial void LogPass(int networks, int ports, int routers, double milliseconds, double loaded, string phases);

    [LoggerMessage(Level = LogLevel.Error, Message = "data plane pass failed; retrying")]
    private partial void LogPassFailed(Exception error);
}
