using CloudBox.Core.Modules;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CloudBox.Core.Api;

/// <summary>
/// Turns every error of a request into the fault body of the service the path belongs to:
/// thrown <see cref="ApiFault"/>s, Kestrel's own rejections (body too large, bad framing),
/// unmatched routes, and unexpected exceptions (logged, answered 500 without internals).
/// </summary>
public sealed partial class FaultMiddleware(RequestDelegate next, ModuleRegistry modules, ILogger<FaultMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        ApiFault? fault;
        try
        {
            await next(context);
            fault = UnmatchedRouteFault(context);
        }
        catch (ApiFault thrown)
        {
            fault = thrown;
        }
        catch (BadHttpRequestException badRequest)
        {
            fault = badRequest.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? ApiFault.RequestTooLarge("Request is larger than the service accepts.")
                : new ApiFault(badRequest.StatusCode, badRequest.Message);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return; // the client went away; nobody is left to answer
        }
        catch (Exception unexpected)
        {
            LogUnexpected(unexpected, context.Request.Method, context.Request.Path, context.TraceIdentifier);
            fault = new ApiFault(500, "An unexpected error prevented the server from fulfilling your request.");
        }

        if (fault is null)
            return;
        if (context.Response.HasStarted)
        {
            context.Abort(); // too late for a fault body; cut the stream so the client sees the failure
            return;
        }

        context.Response.Clear();
        context.Response.Headers[RequestIdMiddleware.HeaderName] = context.TraceIdentifier; // Clear() dropped it
        context.Response.StatusCode = fault.StatusCode;
        foreach (var (name, value) in fault.Headers)
            context.Response.Headers[name] = value;
        await FormatFor(context.Request.Path).WriteAsync(context, fault);
    }

    private static ApiFault? UnmatchedRouteFault(HttpContext context)
    {
        if (context.Response.HasStarted || context.GetEndpoint() is not null)
            return null;
        return context.Response.StatusCode switch
        {
            StatusCodes.Status404NotFound => ApiFault.NotFound("The resource could not be found."),
            StatusCodes.Status405MethodNotAllowed => ApiFault.MethodNotAllowed(),
            _ => null,
        };
    }

    private IFaultFormat FormatFor(PathString path) => modules.FindByPath(path)?.FaultFormat ?? PlainJsonFaultFormat.Instance;

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected error in {Method} {Path} ({RequestId})")]
    private partial void LogUnexpected(Exception exception, string method, string path, string requestId);
}
