using System.Text.Json.Serialization;

namespace CloudBox.Orchestration.Engine;

[JsonSerializable(typeof(List<string>))]
internal sealed partial class OrchestrationJsonContext : JsonSerializerContext;
