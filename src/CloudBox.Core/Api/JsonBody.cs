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
        try
        {
            var value = await JsonSerializer.DeserializeAsync(request.Body, typeInfo, cancellationToken);
            return value ?? throw ApiFault.BadRequest("The request body is empty; a JSON object was expected.");
        }
        catch (JsonException error)
        {
            throw ApiFault.BadRequest($"Malformed request body: {error.Message}");
        }
    }

    /// <summary>Reads the body as a JSON object, for APIs whose bodies carry free-form attributes.</summary>
    public static async Task<JsonObject> ReadObjectAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        CheckContentType(request);
        try
        {
            var node = await JsonNode.ParseAsync(request.Body, cancellationToken: cancellationToken);
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
