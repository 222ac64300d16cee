using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Objects.Swift;

/// <summary><c>GET /info</c>: the capabilities clients read to pick features (bulk delete, SLO limits, TempURL digests).</summary>
internal static class InfoEndpoint
{
    public static async Task HandleAsync(HttpContext context)
    {
        SwiftHeaders.AddTransactionId(context);
        var settings = context.RequestServices.GetService(typeof(ObjectsSettings)) as ObjectsSettings ?? new ObjectsSettings();
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("swift");
            json.WriteString("version", "2.30.0");
            json.WriteNumber("max_file_size", settings.MaxObjectBytes);
            json.WriteNumber("max_object_name_length", SwiftPath.MaxObjectName);
            json.WriteNumber("max_container_name_length", SwiftPath.MaxContainerName);
            json.WriteNumber("container_listing_limit", ListingRequest.MaxLimit);
            json.WriteNumber("account_listing_limit", ListingRequest.MaxLimit);
            json.WriteNumber("max_meta_name_length", SwiftHeaders.MaxMetaNameLength);
            json.WriteNumber("max_meta_value_length", SwiftHeaders.MaxMetaValueLength);
            json.WriteNumber("max_meta_count", SwiftHeaders.MaxMetaCount);
            json.WriteNumber("max_meta_overall_size", SwiftHeaders.MaxMetaOverallSize);
            json.WriteNumber("max_header_size", 8192);
            json.WriteBoolean("account_autocreate", true);
            json.WriteBoolean("allow_account_management", false);
            json.WriteBoolean("strict_cors_mode", true);
            json.WriteStartArray("policies");
            json.WriteStartObject();
            json.WriteString("name", "Policy-0");
            json.WriteBoolean("default", true);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();

            json.WriteStartObject("slo");
            json.WriteNumber("max_manifest_segments", StaticManifest.MaxSegments);
            json.WriteNumber("max_manifest_size", StaticManifest.MaxManifestBytes);
            json.WriteNumber("min_segment_size", 1);
            json.WriteEndObject();

            json.WriteStartObject("dlo");
            json.WriteNumber("max_segments", 10_000);
            json.WriteEndObject();

            json.WriteStartObject("bulk_delete");
            json.WriteNumber("max_deletes_per_request", BulkDelete.MaxDeletes);
            json.WriteNumber("max_failed_deletes", BulkDelete.MaxDeletes);
            json.WriteEndObject();

            json.WriteStartObject("tempurl");
            WriteArray(json, "methods", ["GET", "HEAD", "PUT", "POST", "DELETE"]);
            WriteArray(json, "allowed_digests", ["sha1", "sha256", "sha512"]);
            json.WriteEndObject();

            json.WriteStartObject("versioned_writes");
            WriteArray(json, "allowed_flags", ["X-Versions-Location", "X-History-Location"]);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        context.Response.ContentType = "application/json; charset=UTF-8";
        context.Response.ContentLength = buffer.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
            await context.Response.Body.WriteAsync(buffer.ToArray(), context.RequestAborted);
    }

    private static void WriteArray(Utf8JsonWriter json, string name, string[] values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
            json.WriteStringValue(value);
        json.WriteEndArray();
    }
}
