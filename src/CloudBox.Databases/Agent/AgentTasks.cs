using System.Text.Json;
using CloudBox.Core.Api;
using CloudBox.Databases.Api;

namespace CloudBox.Databases.Agent;

/// <summary>Queues a task for an instance's agent and waits for its answer, as Trove's API waits on its guest RPC calls.</summary>
internal sealed class AgentTasks(TaskStore tasks, AgentSignals signals, DatabasesSettings settings)
{
    /// <summary>Queues <paramref name="kind"/> and returns its id at once (for work the API answers 202 to).</summary>
    public async Task<string> QueueAsync(string instanceId, string kind, TaskPayload payload, CancellationToken cancellationToken)
    {
        var id = await tasks.EnqueueAsync(instanceId, kind, payload, cancellationToken);
        signals.Notify("instance:" + instanceId);
        return id;
    }

    /// <summary>Queues <paramref name="kind"/> and waits for the agent's answer: a failed task is a 400 with the agent's message, no answer in time a 504-like 409.</summary>
    public async Task<AgentTaskResult> CallAsync(string instanceId, string kind, TaskPayload payload, CancellationToken cancellationToken)
    {
        var id = await QueueAsync(instanceId, kind, payload, cancellationToken);
        var result = await WaitAsync(id, settings.AgentCallTimeout, cancellationToken)
            ?? throw new ApiFault(504, $"The database agent of instance {instanceId} did not answer within {settings.AgentCallTimeout.TotalSeconds:0} s.", "Gateway Timeout");
        if (!result.Ok)
            throw ApiFault.BadRequest(result.Error ?? $"The database agent could not {kind.Replace('_', ' ')}.");
        return result;
    }

    /// <summary>The answer to task <paramref name="taskId"/>, or null when none came within <paramref name="timeout"/>.</summary>
    public async Task<AgentTaskResult?> WaitAsync(string taskId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var key = "task:" + taskId;
        var deadline = DateTime.UtcNow + timeout;
        try
        {
            while (true)
            {
                var task = await tasks.FindAsync(taskId, cancellationToken);
                if (task?.Result is { } json && task.State is TaskStates.Done or TaskStates.Failed)
                    return JsonSerializer.Deserialize(json, TroveJson.Default.AgentTaskResult);
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || task is null)
                    return null;
                await signals.WaitAsync(key, left < TimeSpan.FromMilliseconds(500) ? left : TimeSpan.FromMilliseconds(500), cancellationToken);
            }
        }
        finally
        {
            signals.Forget(key);
        }
    }
}
