using CloudBox.Telemetry.Api;
using Microsoft.Extensions.Hosting;

namespace CloudBox.Telemetry.Collection;

/// <summary>
/// A collector that polls once every interval: a poll that fails is reported and the next one comes at its time,
/// so one bad read never stops the collection.
/// </summary>
internal abstract class Pollster(TimeSpan interval, TimeProvider clock, bool pollAtStart) : BackgroundService
{
    /// <summary>One poll: read what is measured and queue its measures.</summary>
    public abstract Task PollAsync(CancellationToken cancellationToken);

    /// <summary>Reports a poll that failed (each pollster logs it in its own words).</summary>
    protected abstract void OnPollFailed(Exception error);

    /// <summary>Now, as Gnocchi's nanosecond timestamp of a measure.</summary>
    protected long NowNanos() => GnocchiTime.ToNanos(clock.GetUtcNow());

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, clock);
        if (pollAtStart)
            await PollOnceAsync(stoppingToken);
        while (await timer.WaitForNextTickAsync(stoppingToken))
            await PollOnceAsync(stoppingToken);
    }

    private async Task PollOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            await PollAsync(cancellationToken);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            OnPollFailed(error);
        }
    }
}
