using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Telemetry.Prometheus;

/// <summary><c>GET /metrics</c> on the main listener, for a token the <c>telemetry:prometheus</c> rule allows (admins by default).</summary>
internal static class PrometheusEndpoint
{
    public static void Map(IEndpointRouteBuilder root) => root.MapGet("/metrics", WriteAsync);

    private static async Task WriteAsync(HttpContext context, PolicyEngine policy, PrometheusExporter exporter, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "telemetry:prometheus");
        context.Response.ContentType = PrometheusText.ContentType;
        await exporter.WriteAsync(context.Response.Body, cancellationToken);
    }
}
