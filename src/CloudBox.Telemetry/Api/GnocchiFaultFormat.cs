using System.Text.Json;
using CloudBox.Core.Api;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Telemetry.Api;

/// <summary>
/// Gnocchi's and Aodh's error body: <c>{"code": 404, "title": "Not Found", "description": "Metric … does not exist"}</c>;
/// gnocchiclient picks its exception class by matching the description.
/// </summary>
internal sealed class GnocchiFaultFormat : IFaultFormat
{
    public static readonly GnocchiFaultFormat Instance = new();

    public async Task WriteAsync(HttpContext context, ApiFault fault)
    {
        context.Response.ContentType = "application/json";
        if (HttpMethods.IsHead(context.Request.Method))
            return;
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteNumber("code", fault.StatusCode);
        writer.WriteString("title", fault.Title);
        writer.WriteString("description", fault.Message);
        // Aodh's clients read error_message.faultstring.
        writer.WriteStartObject("error_message");
        writer.WriteString("faultstring", fault.Message);
        writer.WriteString("faultcode", fault.StatusCode < 500 ? "Client" : "Server");
        writer.WriteEndObject();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }
}
