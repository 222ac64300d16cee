using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudBox.Dashboard.Sessions;

/// <summary>Deletes expired sessions every few minutes, so the table holds only live ones.</summary>
internal sealed partial class SessionSweeper(SessionStore store, ILogger<SessionSweeper> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                var removed = await store.SweepAsync(stoppingToken);
                if (removed > 0) LogSwept(removed);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                LogFailed(error);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Removed {Count} expired dashboard sessions")]
    private partial void LogSwept(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping dashboard sessions failed")]
    private partial void LogFailed(Exception error);
}
