using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Core.Api;

/// <summary>
/// The fault body Nova and Cinder share (from their common WSGI layer): one key naming the kind
/// of fault, holding <c>code</c> and <c>message</c>, e.g. <c>{"itemNotFound": {"code": 404, "message": "…"}}</c>.
/// </summary>
public sealed class NamedFaultFormat : IFaultFormat
{
    public static readonly NamedFaultFormat Instance = new();

    public static string KindOf(int statusCode) => statusCode switch
    {
        400 => "badRequest",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "itemNotFound",
        405 => "badMethod",
        406 => "notAcceptable",
        409 => "conflictingRequest",
        413 => "overLimit",
        415 => "badMediaType",
        429 => "overLimit",
        501 => "notImplemented",
        503 => "serviceUnavailable",
        _ => "computeFault",
    };

    public async Task WriteAsync(HttpContext context, ApiFault fault)
    {
        context.Response.ContentType = "application/json";
        if (HttpMethods.IsHead(context.Request.Method))
            return;
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteStartObject(KindOf(fault.StatusCode));
        writer.WriteNumber("code", fault.StatusCode);
        writer.WriteString("message", fault.Message);
        writer.WriteEndObject();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }
}
