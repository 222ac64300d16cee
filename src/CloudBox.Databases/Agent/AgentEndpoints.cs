using System.Text.Json;
using CloudBox.Core.Api;
using CloudBox.Core.Ids;
using CloudBox.Databases.Api;
using CloudBox.Databases.Backups;
using CloudBox.Databases.Cloud;
using CloudBox.Databases.Instances;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Databases.Agent;

/// <summary>
/// CloudBox's side of the agent protocol (<see cref="AgentProtocol"/>): heartbeats, the long poll for the
/// next task, and task results. Authenticated by the instance's secret, not by a Keystone token.
/// </summary>
internal static class AgentEndpoints
{
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(25);

    public static void Map(IEndpointRouteBuilder database)
    {
        database.MapPost("/agent/v1/{instanceId}/heartbeat", HeartbeatAsync);
        database.MapGet("/agent/v1/{instanceId}/tasks/next", NextAsync);
        database.MapPost("/agent/v1/{instanceId}/tasks/{taskId}/result", ResultAsync);
    }

    private static async Task<InstanceRecord> AuthenticateAsync(HttpContext context, InstanceStore instances, string instanceId, CancellationToken cancellationToken)
    {
        var secret = context.Request.Headers[AgentProtocol.SecretHeader].ToString();
        var instance = secret.Length == 0 ? null : await instances.FindAsync(instanceId, cancellationToken);
        if (instance is null || !AgentSecrets.Matches(secret, instance.AgentSecretHash))
            throw ApiFault.Unauthorized("The agent secret is missing or wrong for this instance.");
        return instance;
    }

    private static async Task<IResult> HeartbeatAsync(string instanceId, HttpContext context, InstanceStore instances, InstanceSignal signal, TimeProvider clock, CancellationToken cancellationToken)
    {
        var instance = await AuthenticateAsync(context, instances, instanceId, cancellationToken);
        var heartbeat = await JsonBody.ReadAsync(context.Request, TroveJson.Default.AgentHeartbeat, cancellationToken);
        if (heartbeat.Status is not ("new" or "running" or "shutdown" or "failed"))
            throw ApiFault.BadRequest("status must be one of new, running, shutdown, failed.");
        await instances.HeartbeatAsync(instance.Id, heartbeat.Status, Timestamps.ToStorage(clock.GetUtcNow()), cancellationToken);
        if (instance.Step == InstanceSteps.Agent)
            signal.Notify();
        return Results.NoContent();
    }

    private static async Task<IResult> NextAsync(string instanceId, HttpContext context, InstanceStore instances, TaskStore tasks, AgentSignals signals, UserCloud cloud, CancellationToken cancellationToken)
    {
        var instance = await AuthenticateAsync(context, instances, instanceId, cancellationToken);
        var wait = TimeSpan.Zero;
        if (context.Request.Query("wait") is { } text)
        {
            if (!int.TryParse(text, out var seconds) || seconds < 0)
                throw ApiFault.BadRequest("wait must be a number of seconds.");
            wait = TimeSpan.FromSeconds(Math.Min(seconds, MaxWait.TotalSeconds));
        }
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            var task = await tasks.NextAsync(instance.Id, cancellationToken);
            if (task is not null)
            {
                var payload = JsonSerializer.Deserialize(task.Payload, TroveJson.Default.TaskPayload) ?? new TaskPayload();
                // A backup or restore reaches the owner's object store with a token issued now, never stored.
                if (payload.Backup is { } backup)
                    payload = payload with { Backup = backup with { Token = await cloud.TokenAsync(instance.UserId, instance.ProjectId, cancellationToken) } };
                return JsonBody.Write(new AgentTask(task.Id, task.Kind, payload), TroveJson.Default.AgentTask);
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                return Results.NoContent();
            await signals.WaitAsync("instance:" + instance.Id, left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    private static async Task<IResult> ResultAsync(string instanceId, string taskId, HttpContext context, InstanceStore instances, TaskStore tasks,
        InstanceService service, AgentSignals signals, InstanceSignal worker, BackupSignal backups, CancellationToken cancellationToken)
    {
        var instance = await AuthenticateAsync(context, instances, instanceId, cancellationToken);
        var result = await JsonBody.ReadAsync(context.Request, TroveJson.Default.AgentTaskResult, cancellationToken);
        var task = await tasks.FindAsync(taskId, cancellationToken);
        if (task is null || task.InstanceId != instance.Id)
            throw ApiFault.NotFound($"Task {taskId} is not a task of this instance.");
        if (await tasks.CompleteAsync(instance.Id, taskId, result, cancellationToken))
        {
            if (task.Kind == "restart" && instance.Status == InstanceStatus.Reboot)
                await service.SetStatusAsync(instance.Id, result.Ok ? InstanceStatus.Active : InstanceStatus.Error,
                    current => { current.Fault = result.Ok ? null : result.Error; return true; }, cancellationToken);
            signals.Notify("task:" + taskId);
            worker.Notify();
            backups.Notify();
        }
        return Results.NoContent();
    }
}
