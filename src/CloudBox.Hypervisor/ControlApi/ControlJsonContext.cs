using System.Text.Json.Serialization;

namespace CloudBox.Hypervisor.ControlApi;

/// <summary>Source-generated JSON for the control API's small request bodies.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(VmActionRequest))]
[JsonSerializable(typeof(DiskRequest))]
[JsonSerializable(typeof(NetRequest))]
[JsonSerializable(typeof(string))]
internal sealed partial class ControlJsonContext : JsonSerializerContext
{
}
