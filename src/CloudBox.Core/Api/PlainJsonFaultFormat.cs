using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Core.Api;

/// <summary>Fault body for paths no module owns (the root, /healthz): <c>{"error": {"code", "title", "message"}}</c>.</summary>
public sealed class PlainJsonFaultFormat : IFaultFormat
{
    public static readonly PlainJsonFaultFormat Instance = new();

    public async Task WriteAsync(HttpContext context, ApiFault fault)
    {
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteNumber("code", fault.StatusCode);
        writer.WriteString("title", fault.Title);
        writer.WriteString("message", fault.Message);
        writer.WriteEndObject();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }
}
