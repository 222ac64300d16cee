using System.Text.Json.Nodes;

namespace CloudBox.Ec2.Actions;

/// <summary>Small readers for OpenStack JSON answers.</summary>
internal static class Json
{
    public static string? Str(this JsonNode? node, string name) => node?[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    public static long? Num(this JsonNode? node, string name) => node?[name] is JsonValue value
        ? value.TryGetValue<long>(out var number) ? number : value.TryGetValue<double>(out var real) ? (long)real : null
        : null;

    public static bool? Flag(this JsonNode? node, string name) => node?[name] is JsonValue value && value.TryGetValue<bool>(out var flag) ? flag : null;

    public static IEnumerable<JsonNode> Items(this JsonNode? node, string name) =>
        node?[name] is JsonArray array ? array.Where(i => i is not null).Select(i => i!) : [];

    public static DateTimeOffset? Time(this JsonNode? node, string name) =>
        node.Str(name) is { } text && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var time) ? time : null;
}
