using System.Text.Json;
using CloudBox.Core.Api;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Networking.Api;

/// <summary>Neutron's fault body: <c>{"NeutronError": {"type": "NetworkNotFound", "message": "…", "detail": ""}}</c>.</summary>
public sealed class NeutronFaultFormat : IFaultFormat
{
    public static readonly NeutronFaultFormat Instance = new();

    public async Task WriteAsync(HttpContext context, ApiFault fault)
    {
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteStartObject("NeutronError");
        writer.WriteString("type", fault is NeutronFault neutron ? neutron.Type : GenericType(fault.StatusCode));
        writer.WriteString("message", fault.Message);
        writer.WriteString("detail", "");
        writer.WriteEndObject();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }

    /// <summary>What Neutron's WSGI layer calls errors that carry no exception name of their own.</summary>
    private static string GenericType(int status) => status switch
    {
        400 => "HTTPBadRequest",
        401 => "HTTPUnauthorized",
        403 => "HTTPForbidden",
        404 => "HTTPNotFound",
        405 => "HTTPMethodNotAllowed",
        409 => "HTTPConflict",
        413 => "HTTPRequestEntityTooLarge",
        415 => "HTTPUnsupportedMediaType",
        _ => "HTTPInternalServerError",
    };
}
