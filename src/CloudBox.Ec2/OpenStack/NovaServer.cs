using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using CloudBox.Core.Compute;

namespace CloudBox.Ec2.OpenStack;

/// <summary>The fields of a Nova server (microversion 2.9) that EC2 shows, read straight from Nova's JSON without a node tree.</summary>
internal sealed record NovaServer
{
    [JsonPropertyName("id")] public string Id { get; init; } = "";
    [JsonPropertyName("tenant_id")] public string? TenantId { get; init; }
    [JsonPropertyName("status")] public string? Status { get; init; }
    [JsonPropertyName("OS-EXT-STS:vm_state")] public string? VmState { get; init; }
    [JsonPropertyName("OS-EXT-STS:task_state")] public string? TaskState { get; init; }
    [JsonPropertyName("key_name")] public string? KeyName { get; init; }
    [JsonPropertyName("OS-EXT-AZ:availability_zone")] public string? AvailabilityZone { get; init; }
    [JsonPropertyName("OS-SRV-USG:launched_at")] public string? LaunchedAt { get; init; }
    [JsonPropertyName("created")] public string? Created { get; init; }
    [JsonPropertyName("locked")] public bool? Locked { get; init; }
    [JsonPropertyName("flavor")] public NovaRef? Flavor { get; init; }
    /// <summary>An object with the image's id, or <c>""</c> for a server booted from a volume.</summary>
    [JsonPropertyName("image")] public JsonElement Image { get; init; }
    [JsonPropertyName("os-extended-volumes:volumes_attached")] public List<NovaRef>? VolumesAttached { get; init; }

    /// <summary>The image id of a server listed in process (<see cref="From(ServerSummary)"/>), which has no <see cref="Image"/> JSON.</summary>
    [JsonIgnore] public string? ListedImageId { get; init; }

    public string? ImageId => ListedImageId ?? (Image.ValueKind == JsonValueKind.Object && Image.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null);

    public DateTimeOffset? LaunchTime => Time(LaunchedAt) ?? Time(Created);

    /// <summary>A server from a node tree (a single-server answer).</summary>
    public static NovaServer From(JsonNode node) => JsonSerializer.Deserialize(node, Ec2JsonContext.Default.NovaServer) ?? new NovaServer();

    /// <summary>
    /// A server from Compute's in-process directory, with the values Nova's detail list (microversion 2.9) would have
    /// shown: <c>created</c> to the second with a Z, <c>launched_at</c> to the microsecond without one.
    /// </summary>
    public static NovaServer From(ServerSummary server) => new()
    {
        Id = server.Id,
        TenantId = server.ProjectId,
        Status = server.Status,
        VmState = server.VmState,
        TaskState = server.TaskState,
        KeyName = server.KeyName,
        AvailabilityZone = server.AvailabilityZone,
        LaunchedAt = server.LaunchedAt?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
        Created = server.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        Locked = server.Locked,
        Flavor = new NovaRef(server.FlavorId),
        ListedImageId = server.ImageId,
        VolumesAttached = server.VolumeIds.Select(id => new NovaRef(id)).ToList(),
    };

    private static DateTimeOffset? Time(string? text) =>
        text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;
}

/// <summary>An <c>{"id": …}</c> reference inside an OpenStack answer.</summary>
internal sealed record NovaRef([property: JsonPropertyName("id")] string? Id);

/// <summary><c>GET /servers/detail</c>.</summary>
internal sealed record NovaServerList([property: JsonPropertyName("servers")] List<NovaServer>? Servers);

/// <summary><c>GET /flavors/detail</c> (id and name only).</summary>
internal sealed record NovaFlavorList([property: JsonPropertyName("flavors")] List<NovaFlavor>? Flavors);

internal sealed record NovaFlavor([property: JsonPropertyName("id")] string? Id, [property: JsonPropertyName("name")] string? Name);
