using System.Text.Json.Serialization;

namespace CloudBox.Objects.Storage;

/// <summary>Source-generated JSON for what the Objects module stores in text columns.</summary>
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(List<ObjectPart>))]
internal sealed partial class ObjectsJsonContext : JsonSerializerContext;
