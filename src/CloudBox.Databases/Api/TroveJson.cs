using System.Text.Json.Serialization;
using CloudBox.Databases.Agent;
using CloudBox.Databases.Backups;
using CloudBox.Databases.Datastores;
using CloudBox.Databases.Instances;

namespace CloudBox.Databases.Api;

/// <summary>The source-generated JSON metadata of every body the Databases module reads or writes (Trove's and the agent protocol's).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(VersionsBody))]
[JsonSerializable(typeof(SingleVersionBody))]
[JsonSerializable(typeof(DatastoresBody))]
[JsonSerializable(typeof(DatastoreBody))]
[JsonSerializable(typeof(DatastoreVersionsBody))]
[JsonSerializable(typeof(DatastoreVersionBody))]
[JsonSerializable(typeof(VersionCreateBody))]
[JsonSerializable(typeof(InstanceCreateBody))]
[JsonSerializable(typeof(InstanceUpdateBody))]
[JsonSerializable(typeof(InstanceBody))]
[JsonSerializable(typeof(InstancesBody))]
[JsonSerializable(typeof(InstanceActionBody))]
[JsonSerializable(typeof(DatabaseListBody))]
[JsonSerializable(typeof(UserListBody))]
[JsonSerializable(typeof(UserBody))]
[JsonSerializable(typeof(UserUpdateBody))]
[JsonSerializable(typeof(RootBody))]
[JsonSerializable(typeof(RootStatusBody))]
[JsonSerializable(typeof(FlavorsBody))]
[JsonSerializable(typeof(FlavorBody))]
[JsonSerializable(typeof(AgentHeartbeat))]
[JsonSerializable(typeof(AgentTask))]
[JsonSerializable(typeof(AgentTaskResult))]
[JsonSerializable(typeof(AgentConfig))]
[JsonSerializable(typeof(TaskPayload))]
[JsonSerializable(typeof(InitialContent))]
[JsonSerializable(typeof(BackupCreateBody))]
[JsonSerializable(typeof(BackupBody))]
[JsonSerializable(typeof(BackupsBody))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(List<InstanceAddress>))]
internal sealed partial class TroveJson : JsonSerializerContext;

internal sealed record Link(string Href, string Rel);

internal sealed record VersionDocument(string Id, string Status, string Updated, IReadOnlyList<Link> Links);

internal sealed record VersionsBody(IReadOnlyList<VersionDocument> Versions);

internal sealed record SingleVersionBody(VersionDocument Version);

/// <summary>A Trove database (<c>{"name": …}</c>, with the character set and collation Trove accepts).</summary>
internal sealed record DatabaseRef(string Name, [property: JsonPropertyName("character_set")] string? CharacterSet = null, string? Collate = null);

internal sealed record DatabaseListBody(IReadOnlyList<DatabaseRef> Databases);

/// <summary>A Trove user: name, host ("%" for anywhere), password on input only, and the databases it may use.</summary>
internal sealed record UserRef(string Name, string? Password = null, string? Host = null, IReadOnlyList<DatabaseRef>? Databases = null);

internal sealed record UserListBody(IReadOnlyList<UserRef> Users);

internal sealed record UserBody(UserRef User);

internal sealed record UserUpdateBody(UserRef User);

internal sealed record RootBody(UserRef User);

internal sealed record RootStatusBody([property: JsonPropertyName("rootEnabled")] bool RootEnabled);

internal sealed record FlavorSummary(string Id, string Name, int Ram, int Vcpus, int Disk, [property: JsonPropertyName("str_id")] string StrId, IReadOnlyList<Link> Links);

internal sealed record FlavorsBody(IReadOnlyList<FlavorSummary> Flavors);

internal sealed record FlavorBody(FlavorSummary Flavor);
