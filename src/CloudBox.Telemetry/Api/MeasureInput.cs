using System.Globalization;
using System.Text.Json;
using CloudBox.Core.Api;
using CloudBox.Telemetry.Storage;

namespace CloudBox.Telemetry.Api;

/// <summary>Reads measures as clients post them: <c>[{"timestamp": "…", "value": 1.5}, …]</c>.</summary>
internal static class MeasureInput
{
    /// <summary>
    /// Largest body of measures (about 350,000 in Gnocchi's JSON): the host's 112 KiB default for
    /// JSON bodies would cap a batch near 2,500 measures, where collectors and Gnocchi's clients send far more.
    /// </summary>
    public const long MaxBodyBytes = 16 * 1024 * 1024;

    public static async Task<JsonDocument> ReadDocumentAsync(Microsoft.AspNetCore.Http.HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = MaxBodyBytes;
        var type = request.ContentType;
        if (!string.IsNullOrEmpty(type) && !type.Contains("json", StringComparison.OrdinalIgnoreCase))
            throw ApiFault.UnsupportedMediaType($"Content type '{type}' is not supported; send application/json.");
        try
        {
            return await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException error)
        {
            throw ApiFault.BadRequest($"Malformed request body: {error.Message}");
        }
    }

    /// <summary>A list of measures; <paramref name="now"/> resolves relative timestamps.</summary>
    public static List<MeasurePoint> ParseList(JsonElement element, DateTimeOffset now)
    {
        if (element.ValueKind != JsonValueKind.Array)
            throw ApiFault.BadRequest("Invalid input: expected a list of measures");
        var result = new List<MeasurePoint>(element.GetArrayLength());
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object
                || !item.TryGetProperty("timestamp", out var timestamp)
                || !item.TryGetProperty("value", out var value))
                throw ApiFault.BadRequest("Invalid input: a measure needs a timestamp and a value");
            result.Add(new MeasurePoint(Timestamp(timestamp, now), Value(value)));
        }
        return result;
    }

    private static long Timestamp(JsonElement element, DateTimeOffset now)
    {
        if (element.ValueKind == JsonValueKind.Number)
            return (long)Math.Round(element.GetDouble() * ArchivePolicy.NanosPerSecond);
        if (element.ValueKind == JsonValueKind.String)
        {
            var text = element.GetString()!;
            if (element.TryGetDateTime(out var parsed))
            {
                // No offset means UTC, as Gnocchi reads it.
                var utc = parsed.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(parsed, TimeSpan.Zero) : new DateTimeOffset(parsed.ToUniversalTime());
                return GnocchiTime.ToNanos(utc);
            }
            if (GnocchiTime.TryParseInstant(text, now, out var nanos))
                return nanos;
            throw ApiFault.BadRequest($"Invalid input: unable to parse timestamp '{text}'");
        }
        throw ApiFault.BadRequest("Invalid input: unable to parse timestamp");
    }

    private static double Value(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Number)
            return element.GetDouble();
        if (element.ValueKind == JsonValueKind.String
            && double.TryParse(element.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
            return parsed;
        if (element.ValueKind is JsonValueKind.True or JsonValueKind.False)
            return element.GetBoolean() ? 1 : 0;
        throw ApiFault.BadRequest("Invalid input: a measure's value must be a number");
    }
}
