using System.Text.Json;
using System.Text.Json.Serialization;
using CloudBox.Databases.Instances;

namespace CloudBox.Databases.Configurations;

internal sealed record ConfigurationCreateBody(ConfigurationCreate? Configuration);

internal sealed record ConfigurationCreate(string? Name, string? Description, JsonElement Values, DatastoreRequest? Datastore);

internal sealed record ConfigurationDocument(
    string Id,
    string Name,
    string? Description,
    [property: JsonPropertyName("datastore_name")] string DatastoreName,
    [property: JsonPropertyName("datastore_version_id")] string DatastoreVersionId,
    [property: JsonPropertyName("datastore_version_name")] string DatastoreVersionName,
    [property: JsonPropertyName("datastore_version_number")] string DatastoreVersionNumber,
    string Created,
    string Updated,
    [property: JsonPropertyName("instance_count")] long? InstanceCount = null,
    IReadOnlyDictionary<string, JsonElement>? Values = null);

internal sealed record ConfigurationBody(ConfigurationDocument Configuration);

internal sealed record ConfigurationsBody(IReadOnlyList<ConfigurationDocument> Configurations);

internal sealed record ConfigurationInstance(string Id, string Name);

/// <summary>An instance's running configuration, as Trove answers <c>GET /instances/{id}/configuration</c>.</summary>
internal sealed record InstanceConfiguration(IReadOnlyDictionary<string, string> Configuration);

internal sealed record InstanceConfigurationBody(InstanceConfiguration Instance);

internal sealed record ConfigurationInstancesBody(IReadOnlyList<ConfigurationInstance> Instances);

internal sealed record ParameterDocument(
    string Name,
    string Type,
    long? Min,
    long? Max,
    [property: JsonPropertyName("restart_required")] bool RestartRequired,
    [property: JsonPropertyName("datastore_version_id")] string DatastoreVersionId);

internal sealed record ParametersBody([property: JsonPropertyName("configuration-parameters")] IReadOnlyList<ParameterDocument> ConfigurationParameters);

/// <summary>The source-generated JSON of configuration groups' bodies (beside <see cref="Api.TroveJson"/>, which carries the agent's).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ConfigurationCreateBody))]
[JsonSerializable(typeof(ConfigurationBody))]
[JsonSerializable(typeof(InstanceConfigurationBody))]
[JsonSerializable(typeof(ConfigurationsBody))]
[JsonSerializable(typeof(ConfigurationInstancesBody))]
[JsonSerializable(typeof(ParameterDocument))]
[JsonSerializable(typeof(ParametersBody))]
[JsonSerializable(typeof(SortedDictionary<string, string>))]
[JsonSerializable(typeof(string))]
internal sealed partial class ConfigurationJson : JsonSerializerContext;
