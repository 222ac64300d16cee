using System.Text.Json;
using System.Text.Json.Serialization;

namespace CloudBox.Volumes.Data;

/// <summary>Metadata maps as stored in TEXT columns (source-generated JSON).</summary>
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class VolumesJsonContext : JsonSerializerContext;

public static class VolumesJson
{
    public static Dictionary<string, string> ReadMap(string json) =>
        JsonSerializer.Deserialize(json, VolumesJsonContext.Default.DictionaryStringString) ?? [];

    public static string WriteMap(IReadOnlyDictionary<string, string> map) =>
        JsonSerializer.Serialize(map.ToDictionary(), VolumesJsonContext.Default.DictionaryStringString);
}
