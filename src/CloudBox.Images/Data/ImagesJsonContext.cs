using System.Text.Json.Serialization;

namespace CloudBox.Images.Data;

/// <summary>Source-generated JSON for the columns that hold maps and lists.</summary>
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class ImagesJsonContext : JsonSerializerContext;
