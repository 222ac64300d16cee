namespace CloudBox.Databases;

/// <summary>Tunables of the Databases module.</summary>
public sealed class DatabasesSettings
{
    /// <summary>How long an API request waits for the agent to answer a task it asked for (listing databases, creating a user…).</summary>
    public TimeSpan AgentCallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a build may wait for the agent's first heartbeat and the datastore's preparation before the instance fails.</summary>
    public TimeSpan BuildTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>A heartbeat older than this makes the instance's operating status <c>SHUTDOWN</c>.</summary>
    public TimeSpan HeartbeatTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often the worker looks for instances to drive when nothing woke it.</summary>
    public TimeSpan WorkerInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The largest segment of a backup in the object store (a Static Large Object of such segments): bounds each request and the agent's memory.</summary>
    public long BackupSegmentBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>The URL agents reach CloudBox at, written into their configuration; by default the metadata address.</summary>
    public string AgentUrl { get; init; } = "http://169.254.169.254";
}
