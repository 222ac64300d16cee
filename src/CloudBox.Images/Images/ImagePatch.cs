using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Api;

namespace CloudBox.Images.Images;

/// <summary>
/// Glance's JSON-patch dialects: <c>application/openstack-images-v2.1-json-patch</c>
/// (<c>{"op": "replace", "path": "/name", "value": …}</c>) and the older v2.0 form
/// (<c>{"replace": "/name", "value": …}</c>). Paths name one top-level attribute.
/// </summary>
public static class ImagePatch
{
    public const string MediaTypeV21 = "application/openstack-images-v2.1-json-patch";
    public const string MediaTypeV20 = "application/openstack-images-v2.0-json-patch";

    public static void CheckMediaType(string? contentType)
    {
        var type = contentType?.Split(';')[0].Trim();
        if (type is not (MediaTypeV21 or MediaTypeV20))
            throw ApiFault.UnsupportedMediaType($"Unsupported Content-Type '{contentType}'; use {MediaTypeV21}.");
    }

    public static void Apply(ImageRecord image, JsonNode? document)
    {
        if (document is not JsonArray operations)
            throw ApiFault.BadRequest("A JSON-patch body must be a list of operations.");
        foreach (var node in operations)
        {
            if (node is not JsonObject operation)
                throw ApiFault.BadRequest("Each JSON-patch operation must be an object.");
            var (op, path) = OpAndPath(operation);
            var name = AttributeName(path);
            ImageAttributes.RefuseProtected(name);
            switch (op)
            {
                case "add":
                    ImageAttributes.Set(image, name, Value(operation, op));
                    break;
                case "replace":
                    if (!ImageAttributes.IsCore(name) && !image.Properties.ContainsKey(name))
                        throw ApiFault.Conflict($"Property {name} does not exist.");
                    ImageAttributes.Set(image, name, Value(operation, op));
                    break;
                case "remove":
                    if (ImageAttributes.IsCore(name))
                        throw ApiFault.Forbidden($"Attribute '{name}' is a core attribute and cannot be removed.");
                    if (!image.Properties.Remove(name))
                        throw ApiFault.Conflict($"Property {name} does not exist.");
                    break;
                default:
                    throw ApiFault.BadRequest($"Unsupported JSON-patch operation '{op}'; use add, replace or remove.");
            }
        }
    }

    private static (string Op, string Path) OpAndPath(JsonObject operation)
    {
        if (operation["op"] is JsonValue op && op.GetValueKind() == JsonValueKind.String)
            return (op.GetValue<string>(), Text(operation["path"]));
        foreach (var candidate in new[] { "add", "replace", "remove" })
        {
            if (operation[candidate] is { } path)
                return (candidate, Text(path));
        }
        throw ApiFault.BadRequest("A JSON-patch operation needs 'op' and 'path'.");
    }

    private static JsonNode? Value(JsonObject operation, string op) =>
        operation.TryGetPropertyValue("value", out var value)
            ? value?.DeepClone()
            : throw ApiFault.BadRequest($"The '{op}' operation needs a 'value'.");

    private static string Text(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String
            ? value.GetValue<string>()
            : throw ApiFault.BadRequest("A JSON-patch path must be a string.");

    /// <summary>"/name" → "name", with JSON-pointer escapes undone; deeper paths are not image attributes.</summary>
    private static string AttributeName(string path)
    {
        if (!path.StartsWith('/') || path.Length < 2 || path.IndexOf('/', 1) >= 0)
            throw ApiFault.BadRequest($"Invalid JSON-patch path '{path}': it must name one top-level attribute.");
        return path[1..].Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
    }
}
