using CloudBox.Core.Api;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Objects.Swift;

/// <summary>Swift's faults: a short HTML-free text body such as "Not Found" or "The resource could not be found.".</summary>
public sealed class SwiftFaultFormat : IFaultFormat
{
    public static readonly SwiftFaultFormat Instance = new();

    public async Task WriteAsync(HttpContext context, ApiFault fault)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        if (HttpMethods.IsHead(context.Request.Method))
            return;
        await context.Response.WriteAsync(fault.Message, context.RequestAborted);
    }
}
