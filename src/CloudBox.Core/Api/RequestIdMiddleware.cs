using CloudBox.Core.Ids;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Core.Api;

/// <summary>Gives every request an OpenStack request id, answered in <c>X-OpenStack-Request-ID</c> and used in logs.</summary>
public sealed class RequestIdMiddleware(RequestDelegate next)
{
    public const string HeaderName = "X-OpenStack-Request-ID";

    public Task InvokeAsync(HttpContext context)
    {
        var requestId = Identifiers.NewRequestId();
        context.TraceIdentifier = requestId;
        context.Response.Headers[HeaderName] = requestId;
        return next(context);
    }
}
