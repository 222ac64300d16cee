using System.Text.Json;
using System.Text.Json.Nodes;

namespace CloudBox.Core.Api;

/// <summary>
/// Typed reads of request body fields that answer a client's mistake with 400 and a message
/// naming the field, instead of an exception deep in a handler.
/// </summary>
public static class JsonFields
{
    public static JsonObject RequireObject(this JsonObject body, string name) =>
        body[name] as JsonObject ?? throw ApiFault.BadRequest($"Invalid input: '{name}' is a required property and must be an object.");

    public static JsonObject? OptionalObject(this JsonObject body, string name) => body[name] switch
    {
        null => null,
        JsonObject value => value,
        _ => throw ApiFault.BadRequest($"Invalid input for field '{name}': must be an object."),
    };

    public static JsonArray? OptionalArray(this JsonObject body, string name) => body[name] switch
    {
        null => null,
        JsonArray value => value,
        _ => throw ApiFault.BadRequest($"Invalid input for field '{name}': must be an array."),
    };

    public static string RequireString(this JsonObject body, string name, int maxLength = 255)
    {
        var value = body.OptionalString(name, maxLength);
        if (string.IsNullOrWhiteSpace(value))
            throw ApiFault.BadRequest($"Invalid input: '{name}' is a required property and must be a non-empty string.");
        return value;
    }

    /// <summary>A string field; null when absent or JSON null.</summary>
    public static string? OptionalString(this JsonObject body, string name, int maxLength = 255)
    {
        var node = body[name];
        if (node is null)
            return null;
        if (node.GetValueKind() != JsonValueKind.String)
            throw ApiFault.BadRequest($"Invalid input for field '{name}': must be a string.");
        string value;
        try
        {
            value = node.GetValue<string>();
        }
        catch (InvalidOperationException)
        {
            // JsonBody checks whole bodies; this covers a node that did not come through it.
            throw ApiFault.BadRequest($"Invalid input for field '{name}': not a valid Unicode string.");
        }
        if (value.Length > maxLength)
            throw ApiFault.BadRequest($"Invalid input for field '{name}': longer than {maxLength} characters.");
        return value;
    }

    public static bool? OptionalBool(this JsonObject body, string name)
    {
        var node = body[name];
        if (node is null)
            return null;
        return node.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw ApiFault.BadRequest($"Invalid input for field '{name}': must be a boolean."),
        };
    }

    public static bool Has(this JsonObject body, string name) => body.ContainsKey(name);
}
