using System.Globalization;
using CloudBox.Core.Data;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace CloudBox.Hosting;

/// <summary>
/// systemd's watchdog (<c>WatchdogSec=</c> in the unit): while systemd asks for pings (<c>WATCHDOG_USEC</c>, for this
/// process), <c>serve</c> sends <c>WATCHDOG=1</c> every half interval, but only after the database answered a query in
/// time, so a process that is alive but wedged (a stuck database, starved thread pool) is restarted by systemd.
/// VMs run in their own processes and outlive the restart.
/// </summary>
public sealed partial class SystemdWatchdog(Database database, ILogger<SystemdWatchdog> logger, ISystemdNotifier? notifier = null) : BackgroundService
{
    /// <summary>The ping interval systemd asked for (half its timeout); null when it asked for none or for another process.</summary>
    public static TimeSpan? Interval()
    {
        if (!long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out var microseconds) || microseconds <= 0)
            return null;
        if (Environment.GetEnvironmentVariable("WATCHDOG_PID") is { Length: > 0 } pid && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
            return null;
        return TimeSpan.FromMicroseconds(microseconds / 2);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (notifier is not { IsEnabled: true } || Interval() is not { } interval)
            return;
        LogWatching(logger, interval.TotalSeconds);
        using var timer = new PeriodicTimer(interval);
        do
        {
            if (await HealthyAsync(interval, stoppingToken))
                notifier.Notify(new ServiceState("WATCHDOG=1"));
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task<bool> HealthyAsync(TimeSpan within, CancellationToken stoppingToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        deadline.CancelAfter(within);
        try
        {
            await using var connection = await database.OpenAsync(deadline.Token);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(deadline.Token);
            return true;
        }
        catch (Exception error) when (!stoppingToken.IsCancellationRequested)
        {
            LogUnhealthy(logger, error.Message);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "systemd watchdog: a ping every {Seconds} s while the database answers")]
    private static partial void LogWatching(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "systemd watchdog: no ping, the database did not answer in time ({Reason})")]
    private static partial void LogUnhealthy(ILogger logger, string reason);
}
