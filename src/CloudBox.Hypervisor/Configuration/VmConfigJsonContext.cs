using System.Text.Json.Serialization;

namespace CloudBox.Hypervisor.Configuration;

/// <summary>Source-generated JSON for --config files and GET /vm (camelCase, like the command line's long options).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(VmConfig))]
internal sealed partial class VmConfigJsonContext : JsonSerializerContext
{
}
