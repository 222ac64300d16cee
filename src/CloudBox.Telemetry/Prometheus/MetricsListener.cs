using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Telemetry.Prometheus;

/// <summary>
/// The <c>--metrics-listen</c> listener: on its port (a Core <c>PortBranch</c>) only <c>GET /metrics</c> is served, without a
/// token (it is meant for a private address a Prometheus scrapes); everything else there is 404,
/// so no OpenStack API is reachable through it. The main listener's admin-only <c>/metrics</c> stays.
/// </summary>
internal static class MetricsListener
{
    /// <summary>The handler Core's <c>PortBranch</c> runs for every request on the metrics port.</summary>
    public static async Task ServeAsync(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        if (context.Request.Path != "/metrics")
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync("Only /metrics is served on this address.\n", context.RequestAborted);
            return;
        }
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = "GET, HEAD";
            return;
        }
        context.Response.ContentType = PrometheusText.ContentType;
        if (HttpMethods.IsHead(context.Request.Method))
            return;
        var exporter = context.RequestServices.GetRequiredService<PrometheusExporter>();
        await exporter.WriteAsync(context.Response.Body, context.RequestAborted);
    }
}
