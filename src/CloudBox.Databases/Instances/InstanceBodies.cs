using System.Text.Json;
using System.Text.Json.Serialization;
using CloudBox.Databases.Api;

namespace CloudBox.Databases.Instances;

internal sealed record InstanceCreateBody(InstanceCreate? Instance);

internal sealed record InstanceCreate(
    string? Name,
    [property: JsonPropertyName("flavorRef")] string? FlavorRef,
    VolumeRequest? Volume,
    IReadOnlyList<DatabaseRef>? Databases,
    IReadOnlyList<UserRef>? Users,
    DatastoreRequest? Datastore,
    IReadOnlyList<NicRequest>? Nics,
    [property: JsonPropertyName("availability_zone")] string? AvailabilityZone,
    AccessRequest? Access,
    string? Configuration,
    [property: JsonPropertyName("restorePoint")] RestorePoint? RestorePoint,
    [property: JsonPropertyName("replica_of")] string? ReplicaOf);

internal sealed record VolumeRequest(int? Size, string? Type);

internal sealed record DatastoreRequest(string? Type, string? Version);

internal sealed record NicRequest(
    [property: JsonPropertyName("network_id")] string? NetworkId,
    [property: JsonPropertyName("net-id")] string? NetId,
    [property: JsonPropertyName("subnet_id")] string? SubnetId,
    [property: JsonPropertyName("ip_address")] string? IpAddress);

internal sealed record AccessRequest([property: JsonPropertyName("is_public")] bool? IsPublic, [property: JsonPropertyName("allowed_cidrs")] IReadOnlyList<string>? AllowedCidrs);

internal sealed record RestorePoint([property: JsonPropertyName("backupRef")] string? BackupRef);

internal sealed record InstanceUpdateBody(InstanceUpdate? Instance);

/// <summary>An instance update; <see cref="Configuration"/> is a group's id to attach, JSON null to detach, absent (Undefined) to leave.</summary>
internal sealed record InstanceUpdate(string? Name, AccessRequest? Access, JsonElement Configuration = default);

/// <summary>The body of <c>POST /instances/{id}/action</c>: one of restart, resize or reset_status.</summary>
internal sealed record InstanceActionBody(JsonElement? Restart, ResizeRequest? Resize, [property: JsonPropertyName("reset_status")] JsonElement? ResetStatus);

internal sealed record ResizeRequest([property: JsonPropertyName("flavorRef")] string? FlavorRef, VolumeRequest? Volume);

internal sealed record InstanceFlavor(string Id, IReadOnlyList<Link> Links);

internal sealed record InstanceDatastore(string Type, string Version, [property: JsonPropertyName("version_number")] string VersionNumber);

internal sealed record InstanceVolume(int Size, string? Type);

internal sealed record InstanceAddress(string Address, string Type, string? Network);

internal sealed record InstanceAccess([property: JsonPropertyName("is_public")] bool IsPublic, [property: JsonPropertyName("allowed_cidrs")] IReadOnlyList<string> AllowedCidrs);

internal sealed record InstanceFault(string Message, string Created, string? Details);

internal sealed record InstanceDocument(
    string Id,
    string Name,
    string Status,
    [property: JsonPropertyName("operating_status")] string OperatingStatus,
    IReadOnlyList<Link> Links,
    InstanceFlavor Flavor,
    InstanceDatastore Datastore,
    string Region,
    InstanceVolume Volume,
    IReadOnlyList<string> Ip,
    IReadOnlyList<InstanceAddress> Addresses,
    InstanceAccess Access,
    string Created,
    string Updated,
    [property: JsonPropertyName("tenant_id")] string? TenantId,
    [property: JsonPropertyName("server_id")] string? ServerId,
    [property: JsonPropertyName("volume_id")] string? VolumeId,
    [property: JsonPropertyName("service_status_updated")] string? ServiceStatusUpdated,
    InstanceFault? Fault,
    InstanceConfigurationRef? Configuration = null);

/// <summary>The configuration group attached to an instance, as Trove shows it in the instance.</summary>
internal sealed record InstanceConfigurationRef(string Id, string Name, IReadOnlyList<Link> Links);

internal sealed record InstanceBody(InstanceDocument Instance);

internal sealed record InstancesBody(IReadOnlyList<InstanceDocument> Instances, IReadOnlyList<Link> Links);

/// <summary>What is created with the instance, kept until the agent has prepared the datastore.</summary>
internal sealed record InitialContent(IReadOnlyList<DatabaseRef> Databases, IReadOnlyList<UserRef> Users, Agent.BackupLocation? Restore = null);
