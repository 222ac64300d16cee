using System.Text.Json;
using CloudBox.Core.Api;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Databases.Api;

/// <summary>
/// Trove's fault body, the one Nova's WSGI layer writes (<c>{"itemNotFound": {"code": 404, "message": …}}</c>),
/// with Trove's own name for 422, which it answers when an instance is not in a state for the request.
/// </summary>
internal sealed class TroveFaultFormat : IFaultFormat
{
    public static readonly TroveFaultFormat Instance = new();

    public async Task WriteAsync(HttpContext context, ApiFault fault)
    {
        if (fault.StatusCode != StatusCodes.Status422UnprocessableEntity)
        {
            await NamedFaultFormat.Instance.WriteAsync(context, fault);
            return;
        }
        context.Response.ContentType = "application/json";
        if (HttpMethods.IsHead(context.Request.Method))
            return;
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteStartObject("unprocessableEntity");
        writer.WriteNumber("code", fault.StatusCode);
        writer.WriteString("message", fault.Message);
        writer.WriteEndObject();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }

    /// <summary>The instance is not in a state that allows the request (Trove's 422).</summary>
    public static ApiFault NotReady(string message) => new(StatusCodes.Status422UnprocessableEntity, message, "Unprocessable Entity");
}
