using System.Text.Json;
using CloudBox.Core.Api;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Identity.Api;

/// <summary>Keystone's fault body, <c>{"error": {"code": 401, "title": "Unauthorized", "message": "…"}}</c>, with <c>WWW-Authenticate</c> on 401.</summary>
public sealed class KeystoneFaultFormat : IFaultFormat
{
    public static readonly KeystoneFaultFormat Instance = new();

    public async Task WriteAsync(HttpContext context, ApiFault fault)
    {
        if (fault.StatusCode == StatusCodes.Status401Unauthorized)
        {
            var request = context.Request;
            context.Response.Headers.WWWAuthenticate = $"Keystone uri=\"{request.Scheme}://{request.Host}{request.PathBase}/identity\"";
        }
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
