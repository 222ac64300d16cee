using System.Diagnostics;
using CloudBox.Core.Api.Auth;

namespace CloudBox.Hosting;

/// <summary>
/// One access log line per request at Information: method, route template (not the raw path, so
/// ids do not explode the cardinality of a log index), status, duration, request id, user, project.
/// </summary>
internal sealed partial class AccessLogMiddleware(RequestDelegate next, ILogger<AccessLogMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            if (logger.IsEnabled(LogLevel.Information))
            {
                var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(unrouted)";
                var caller = context.Caller();
                LogRequest(context.Request.Method, route, context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                    context.TraceIdentifier, caller?.UserId ?? "-", caller?.ProjectId ?? "-");
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Route} {Status} {DurationMs:F1} ms {RequestId} user {UserId} project {ProjectId}")]
    private partial void LogRequest(string method, string route, int status, double durationMs, string requestId, string userId, string projectId);
}
