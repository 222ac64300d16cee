using CloudBox.Identity.Tokens;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudBox.Identity.Bootstrap;

/// <summary>
/// Background upkeep: picks up revocation events and key rotations made by other nodes, and
/// rotates the token keys when the primary key is older than the configured interval.
/// </summary>
public sealed partial class IdentityMaintenance(RevocationList revocations, TokenKeyRepository keys, IdentitySettings settings, string keyDirectory,
    TimeProvider clock, ILogger<IdentityMaintenance> logger) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await revocations.RefreshAsync(settings.TokenLifetime, stoppingToken);
                RotateWhenDue();
                keys.Reload();
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                LogFailed(error);
            }
        }
    }

    private void RotateWhenDue()
    {
        var primary = Path.Combine(keyDirectory, keys.Primary.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (File.Exists(primary) && clock.GetUtcNow() - File.GetLastWriteTimeUtc(primary) > settings.KeyRotationInterval)
        {
            keys.Rotate();
            LogRotated(keys.Primary.Id);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rotated token keys; primary key is now {KeyId}")]
    private partial void LogRotated(uint keyId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Identity maintenance failed; retrying")]
    private partial void LogFailed(Exception error);
}
