using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Core.Api;

/// <summary>Reads and writes JSON bodies with source-generated metadata, answering malformed input with 400.</summary>
public static class JsonBody
{
    public static async Task<T> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        CheckContentType(request);
        JsonNode? node;
        try
        {
            node = await JsonNode.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException error)
        {
            throw ApiFault.BadRequest($"Malformed request body: {error.Message}");
        }
        CheckText(node);
        try
        {
            var value = node.Deserialize(typeInfo);
            return value ?? throw ApiFault.BadRequest("The request body is empty; a JSON object was expected.");
        }
        catch (JsonException error)
        {
            throw ApiFault.BadRequest($"Malformed request body: {error.Message}");
        }
    }

    /// <summary>
    /// Checks every string of a parsed document, names and values: JSON text may hold bytes that are
    /// not UTF-8 or escapes of lone surrogates (<c>"\ud800"</c>), which the parser lets through and
    /// only reading the string refuses (deep in a handler, as a 500); and a NUL, which no name may
    /// hold and PostgreSQL cannot store. All answered here with 400 in the service's fault body.
    /// </summary>
    public static void CheckText(JsonNode? node)
    {
        try
        {
            CheckStrings(node);
        }
        catch (InvalidOperationException)
        {
            throw ApiFault.BadRequest("Invalid input: the request body holds a string that is not valid Unicode (invalid UTF-8 or a lone surrogate).");
        }
    }

    private static void CheckStrings(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject members:
                foreach (var (name, value) in members)
                {
                    CheckNul(name);
                    CheckStrings(value);
                }
                break;
            case JsonArray items:
                foreach (var item in items)
                    CheckStrings(item);
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                CheckNul(value.GetValue<string>());
                break;
        }
    }

    private static void CheckNul(string text)
    {
        if (text.Contains('\0'))
            throw ApiFault.BadRequest("Invalid input: strings may not contain NUL characters.");
    }

    /// <summary>Reads the body as a JSON object, for APIs whose bodies carry free-form attributes.</summary>
    public static async Task<JsonObject> ReadObjectAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        CheckContentType(request);
        try
        {
            var node = await JsonNode.ParseAsync(request.Body, cancellationToken: cancellationToken);
            CheckText(node);
            return node as JsonObject ?? throw ApiFault.BadRequest("The request body must be a JSON object.");
        }
        catch (JsonException error)
        {
            throw ApiFault.BadRequest($"Malformed request body: {error.Message}");
        }
    }

    /// <summary>A JSON document built as nodes, for APIs whose bodies carry free-form attributes.</summary>
    public static IResult Node(JsonNode body, int statusCode = StatusCodes.Status200OK) =>
        Results.Text(body.ToJsonString(WireOptions), "application/json", System.Text.Encoding.UTF8, statusCode);

    /// <summary>Plain characters (<c>+</c>, <c>&lt;</c>, non-ASCII) stay as they are; the bodies are JSON, never embedded in HTML.</summary>
    private static readonly JsonSerializerOptions WireOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static IResult Write<T>(T value, JsonTypeInfo<T> typeInfo, int statusCode = 200) =>
        Results.Json(value, typeInfo, contentType: "application/json", statusCode: statusCode);

    private static void CheckContentType(HttpRequest request)
    {
        var type = request.ContentType;
        if (!string.IsNullOrEmpty(type) && !type.Contains("json", StringComparison.OrdinalIgnoreCase))
            throw ApiFault.UnsupportedMediaType($"Content type '{type}' is not supported; send application/json.");
    }
}
