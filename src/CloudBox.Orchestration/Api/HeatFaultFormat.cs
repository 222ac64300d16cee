using System.Text.Json;
using CloudBox.Core.Api;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Orchestration.Api;

/// <summary>
/// Heat's fault body, which heatclient reads <c>error.message</c> from:
/// <c>{"explanation": …, "code": …, "error": {"message": …, "traceback": null, "type": …}, "title": …}</c>.
/// </summary>
internal sealed class HeatFaultFormat : IFaultFormat
{
    public static readonly HeatFaultFormat Instance = new();

    public async Task WriteAsync(HttpContext context, ApiFault fault)
    {
        context.Response.ContentType = "application/json";
        if (HttpMethods.IsHead(context.Request.Method))
            return;
        var type = fault is HeatFault heat ? heat.Type : fault.StatusCode switch
        {
            400 => "HTTPBadRequest",
            401 => "HTTPUnauthorized",
            403 => "Forbidden",
            404 => "EntityNotFound",
            409 => "StackExists",
            _ => "HTTPException",
        };
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteString("explanation", Explanation(fault.StatusCode));
        writer.WriteNumber("code", fault.StatusCode);
        writer.WriteStartObject("error");
        writer.WriteString("message", fault.Message);
        writer.WriteNull("traceback");
        writer.WriteString("type", type);
        writer.WriteEndObject();
        writer.WriteString("title", fault.Title);
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }

    private static string Explanation(int status) => status switch
    {
        400 => "The server could not comply with the request since it is either malformed or otherwise incorrect.",
        401 => "This server could not verify that you are authorized to access the document you requested.",
        403 => "Access was denied to this resource.",
        404 => "The resource could not be found.",
        409 => "There was a conflict when trying to complete your request.",
        _ => "The server has either erred or is incapable of performing the requested operation.",
    };
}

/// <summary>An ApiFault carrying Heat's exception name (<c>StackValidationFailed</c>, <c>EntityNotFound</c>…).</summary>
internal sealed class HeatFault(int status, string message, string type) : ApiFault(status, message)
{
    public string Type { get; } = type;
}
