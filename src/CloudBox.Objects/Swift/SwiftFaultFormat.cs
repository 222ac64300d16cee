using System.Net;
using CloudBox.Core.Api;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Objects.Swift;

/// <summary>
/// Swift's fault bodies: a small HTML page with the reason and a sentence, e.g.
/// <c>&lt;html&gt;&lt;h1&gt;Not Found&lt;/h1&gt;&lt;p&gt;The resource could not be found.&lt;/p&gt;&lt;/html&gt;</c>,
/// and the transaction id header clients quote in bug reports.
/// </summary>
public sealed class SwiftFaultFormat : IFaultFormat
{
    public static readonly SwiftFaultFormat Instance = new();

    public async Task WriteAsync(HttpContext context, ApiFault fault)
    {
        SwiftHeaders.AddTransactionId(context);
        context.Response.ContentType = "text/html; charset=UTF-8";
        var body = $"<html><h1>{WebUtility.HtmlEncode(fault.Title)}</h1><p>{WebUtility.HtmlEncode(fault.Message)}</p></html>";
        context.Response.ContentLength = System.Text.Encoding.UTF8.GetByteCount(body);
        if (HttpMethods.IsHead(context.Request.Method) || fault.StatusCode == 304)
            return;
        await context.Response.WriteAsync(body, context.RequestAborted);
    }
}
