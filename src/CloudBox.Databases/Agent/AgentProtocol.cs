using System.Text.Json.Serialization;
using CloudBox.Databases.Api;

namespace CloudBox.Databases.Agent;

/// <summary>
/// The one coupling between CloudBox and <c>cloudbox guest-agent</c>: JSON over HTTP under
/// <c>/database/agent/v1/{instance}</c>, every request carrying the instance's secret in
/// <c>X-CloudBox-Agent-Secret</c>. The agent pulls tasks (each with an id, so a task done twice is done
/// once: the agent's actions are idempotent, and a result for a finished task is ignored) and reports
/// heartbeats with the datastore's status.
/// </summary>
internal static class AgentProtocol
{
    public const string SecretHeader = "X-CloudBox-Agent-Secret";
    public const string PathPrefix = "/database/agent/v1";
}

/// <summary>The agent's periodic report: the datastore's state (<c>running</c>, <c>shutdown</c>, <c>failed</c>, <c>new</c>).</summary>
internal sealed record AgentHeartbeat(string Status, string? Message = null, [property: JsonPropertyName("agent_version")] string? AgentVersion = null);

/// <summary>What the agent is asked to do. Kinds: prepare, create_databases, delete_database, list_databases,
/// create_users, update_user, delete_user, list_users, grant, revoke, enable_root, disable_root, restart, backup
/// (and prepare with <see cref="TaskPayload.Backup"/>: restore that backup instead of an empty cluster),
/// apply_configuration (a configuration group's values, checked against the datastore's parameters; empty to drop them),
/// get_configuration (the values the running datastore has for the parameters configuration groups may set).</summary>
internal sealed record AgentTask(string Id, string Kind, TaskPayload Payload);

/// <summary>The arguments of a task; which are set depends on its kind.</summary>
internal sealed record TaskPayload(
    string? Manager = null,
    int? Port = null,
    IReadOnlyList<DatabaseRef>? Databases = null,
    IReadOnlyList<UserRef>? Users = null,
    string? User = null,
    string? Database = null,
    string? Password = null,
    BackupLocation? Backup = null,
    IReadOnlyDictionary<string, string>? Configuration = null);

/// <summary>
/// Where a backup lives in the owner's object store, for the <c>backup</c> task (write it) and for a
/// restoring <c>prepare</c> (read and verify it). <see cref="Token"/> is a delegated token of the
/// owner's, issued when the task is handed to the agent and never stored.
/// </summary>
internal sealed record BackupLocation(
    string Id,
    [property: JsonPropertyName("account_path")] string AccountPath,
    string Container,
    string Manifest,
    [property: JsonPropertyName("segment_prefix")] string SegmentPrefix,
    [property: JsonPropertyName("segment_bytes")] long SegmentBytes,
    string? Checksum = null,
    string? Token = null);

/// <summary>The agent's answer to a task: success with an optional result, or the error to show the user.</summary>
internal sealed record AgentTaskResult(
    bool Ok,
    string? Error = null,
    IReadOnlyList<DatabaseRef>? Databases = null,
    IReadOnlyList<UserRef>? Users = null,
    UserRef? User = null,
    long? Size = null,
    string? Checksum = null,
    IReadOnlyDictionary<string, string>? Configuration = null);

/// <summary>How the agent finds CloudBox and its datastore: written into the guest at build, or given on the host.</summary>
internal sealed record AgentConfig(
    string Url,
    [property: JsonPropertyName("instance_id")] string InstanceId,
    string Secret,
    string Manager,
    [property: JsonPropertyName("data_dir")] string DataDir,
    int Port,
    [property: JsonPropertyName("listen_address")] string ListenAddress = "0.0.0.0",
    [property: JsonPropertyName("bin_dir")] string? BinDir = null);
