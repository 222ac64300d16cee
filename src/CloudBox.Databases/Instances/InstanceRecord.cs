namespace CloudBox.Databases.Instances;

/// <summary>A row of <c>databases_instances</c>: a database instance, how far its build (or delete) has got, and what its agent last said.</summary>
internal sealed class InstanceRecord
{
    public string Id { get; set; } = "";
    public string ProjectId { get; set; } = "";
    public string UserId { get; set; } = "";
    public string Name { get; set; } = "";
    public string Status { get; set; } = InstanceStatus.Build;
    public string Step { get; set; } = InstanceSteps.SecurityGroup;
    public string FlavorId { get; set; } = "";
    public int VolumeSize { get; set; }
    public string? VolumeType { get; set; }
    public string VersionId { get; set; } = "";
    /// <summary>JSON list of network ids (empty: no network).</summary>
    public string Networks { get; set; } = "[]";
    public bool IsPublic { get; set; }
    /// <summary>JSON list of CIDRs allowed to reach the datastore's port.</summary>
    public string AllowedCidrs { get; set; } = "[]";
    /// <summary>JSON of the databases and users to create when the datastore is first prepared.</summary>
    public string Initial { get; set; } = "{}";
    public string? ServerId { get; set; }
    public string? VolumeId { get; set; }
    public string? SecurityGroupId { get; set; }
    /// <summary>JSON list of the server's addresses (<see cref="InstanceAddress"/>), recorded when it became ACTIVE.</summary>
    public string Addresses { get; set; } = "[]";
    public string AgentSecretHash { get; set; } = "";
    /// <summary>The agent's secret in clear until the server that carries it is created; cleared then.</summary>
    public string? AgentSecret { get; set; }
    public string? HeartbeatAt { get; set; }
    public string? ServiceStatus { get; set; }
    public string? RootEnabledAt { get; set; }
    public string? Fault { get; set; }
    public string? DeadlineAt { get; set; }
    /// <summary>The agent task the build waits on (the datastore's preparation).</summary>
    public string? TaskId { get; set; }
    /// <summary>Bumped by every write: a write based on an older read is refused (<see cref="StaleInstanceException"/>).</summary>
    public long Version { get; set; }
    public string CreatedAt { get; set; } = "";
    public string UpdatedAt { get; set; } = "";
}

/// <summary>Trove's instance statuses.</summary>
internal static class InstanceStatus
{
    public const string Build = "BUILD";
    public const string Active = "ACTIVE";
    public const string Reboot = "REBOOT";
    public const string Backup = "BACKUP";
    public const string Shutdown = "SHUTDOWN";
    public const string Error = "ERROR";
    /// <summary>A configuration change waits for a restart of the datastore to take effect.</summary>
    public const string RestartRequired = "RESTART_REQUIRED";
}

/// <summary>The steps the instance worker takes, in order; each is recorded before the next starts, so a crash resumes at the step it cut short.</summary>
internal static class InstanceSteps
{
    public const string SecurityGroup = "security_group";
    public const string Volume = "volume";
    public const string Server = "server";
    public const string Attach = "attach";
    public const string Agent = "agent";
    public const string Prepare = "prepare";
    public const string Ready = "ready";
    public const string Delete = "delete";
    public const string Failed = "failed";
}

/// <summary>The instance changed (or went) since it was read: the write that found out is dropped and the caller reads again.</summary>
internal sealed class StaleInstanceException(string id) : Exception($"database instance {id} changed since it was read");
