using System.Text.Json;
using CloudBox.Core.Api;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Images.Api;

/// <summary>
/// Glance's faults as its WSGI stack (webob) writes them: for clients that accept JSON,
/// <c>{"message": …, "code": "400 Bad Request", "title": "Bad Request"}</c> (openstacksdk shows
/// the message); otherwise webob's small HTML page, from which clients strip the tags.
/// </summary>
public sealed class GlanceFaultFormat : IFaultFormat
{
    public static readonly GlanceFaultFormat Instance = new();

    public async Task WriteAsync(HttpContext context, ApiFault fault)
    {
        var status = $"{fault.StatusCode} {ApiFault.ReasonPhrase(fault.StatusCode)}";
        if (context.Request.Headers.Accept.ToString().Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.ContentType = "application/json";
            if (HttpMethods.IsHead(context.Request.Method))
                return;
            await using var writer = new Utf8JsonWriter(context.Response.Body);
            writer.WriteStartObject();
            writer.WriteString("message", fault.Message);
            writer.WriteString("code", status);
            writer.WriteString("title", ApiFault.ReasonPhrase(fault.StatusCode));
            writer.WriteEndObject();
            await writer.FlushAsync(context.RequestAborted);
            return;
        }
        context.Response.ContentType = "text/html; charset=UTF-8";
        if (HttpMethods.IsHead(context.Request.Method))
            return;
        var message = System.Net.WebUtility.HtmlEncode(fault.Message);
        await context.Response.WriteAsync(
            $"<html>\n <head>\n  <title>{status}</title>\n </head>\n <body>\n  <h1>{status}</h1>\n  {message}<br /><br />\n\n\n\n </body>\n</html>",
            context.RequestAborted);
    }
}
