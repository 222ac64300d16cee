using System.Collections.Concurrent;
using CloudBox.Compute.Servers;
using CloudBox.Core.Data;
using CloudBox.Core.Ids;
using CloudBox.Core.Volumes;
using Dapper;
using Microsoft.Extensions.Logging;

namespace CloudBox.Compute.Volumes;

/// <summary>
/// Runs the second half of volume detaches in the background (<see cref="ServerVolumes.FinishDetachAsync"/>),
/// once per volume: the API has already answered 202 with the volume <c>detaching</c>. Each accepted
/// detach is a row of <c>compute_volume_detaches</c> until it is finished, so a crash mid-way is
/// finished at the next start (<see cref="VolumeDetachResumer"/>).
/// </summary>
public sealed partial class VolumeDetachWorker(ServerVolumes volumes, Database database, ComputeSettings settings, TimeProvider clock,
    ILogger<VolumeDetachWorker> logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Task> _running = new();
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Records the accepted detach (before the API answers), then finishes it in the background.</summary>
    public async Task AcceptAsync(ServerRecord server, VolumeAttachment detaching, CancellationToken cancellationToken)
    {
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM compute_volume_detaches WHERE server_id = @serverId AND volume_id = @volumeId",
                new { serverId = server.Id, volumeId = detaching.VolumeId }, cancellationToken: cancellationToken));
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO compute_volume_detaches (server_id, volume_id, attachment_id, host, created_at) VALUES (@serverId, @volumeId, @attachmentId, @host, @now)",
                new
                {
                    serverId = server.Id, volumeId = detaching.VolumeId, attachmentId = detaching.Id, host = settings.HostName,
                    now = Timestamps.ToStorage(clock.GetUtcNow()),
                }, cancellationToken: cancellationToken));
        }
        Start(server, detaching.VolumeId);
    }

    /// <summary>The detaches this host accepted and never finished (a crash came first): server and volume ids.</summary>
    public async Task<IReadOnlyList<(string ServerId, string VolumeId)>> PendingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string, string)>(new CommandDefinition(
            "SELECT server_id, volume_id FROM compute_volume_detaches WHERE host = @host", new { host = settings.HostName }, cancellationToken: cancellationToken));
        return [.. rows];
    }

    /// <summary>Finishes the detach of the server's volume unless it is already being finished.</summary>
    public void Start(ServerRecord server, string volumeId)
    {
        var key = server.Id + "/" + volumeId;
        var work = new TaskCompletionSource();
        if (!_running.TryAdd(key, work.Task))
            return;
        _ = Task.Run(async () =>
        {
            try
            {
                var refusal = await volumes.FinishDetachAsync(server, volumeId, _stopping.Token);
                if (refusal is not null)
                    LogPutBack(server.Id, volumeId, refusal);
                await ForgetAsync(server.Id, volumeId);
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception error)
            {
                // Still listed: the next start finishes it.
                LogFailed(server.Id, volumeId, error.Message);
            }
            finally
            {
                _running.TryRemove(key, out _);
                work.SetResult();
            }
        });
    }

    /// <summary>Waits for the detaches in flight (tests, and a tidy shutdown).</summary>
    public Task IdleAsync() => Task.WhenAll(_running.Values);

    private async Task ForgetAsync(string serverId, string volumeId)
    {
        await using var connection = await database.OpenAsync(_stopping.Token);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM compute_volume_detaches WHERE server_id = @serverId AND volume_id = @volumeId",
            new { serverId, volumeId }, cancellationToken: _stopping.Token));
    }

    public async ValueTask DisposeAsync()
    {
        // Each detach is bounded by the VMM's unplug timeout; give them a moment, then cancel (the next start finishes them).
        await Task.WhenAny(IdleAsync(), Task.Delay(TimeSpan.FromSeconds(5)));
        _stopping.Cancel();
        await Task.WhenAny(IdleAsync(), Task.Delay(TimeSpan.FromSeconds(5)));
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Server {ServerId}: volume {VolumeId} stays attached: {Reason}")]
    private partial void LogPutBack(string serverId, string volumeId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Server {ServerId}: the detach of volume {VolumeId} stopped half-way ({Reason}); the next start finishes it")]
    private partial void LogFailed(string serverId, string volumeId, string reason);
}
