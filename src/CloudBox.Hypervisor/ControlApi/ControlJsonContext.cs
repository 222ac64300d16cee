using System.Text.Json.Serialization;

namespace CloudBox.Hypervisor.ControlApi;

/// <summary>Source-generated JSON for the control API's bodies, for the VMM and its client alike.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(VmActionRequest))]
[JsonSerializable(typeof(DiskRequest))]
[JsonSerializable(typeof(NetRequest))]
[JsonSerializable(typeof(VmInfo))]
[JsonSerializable(typeof(string))]
public sealed partial class ControlJsonContext : JsonSerializerContext
{
}
