using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Telemetry.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Telemetry.Usage;

/// <summary>
/// <c>GET /metric/v1/usage?project_id=P&amp;start=T&amp;end=T</c> (CloudBox's own, beside Gnocchi's
/// routes): a project's usage report. A member reads their own project (the default), an admin any.
/// </summary>
internal static class UsageEndpoints
{
    public static void Map(IEndpointRouteBuilder v1) => v1.MapGet("/usage", GetAsync);

    private static async Task<IResult> GetAsync(HttpContext context, UsageService usage, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "metric:get_usage");
        var project = context.Request.Query("project_id") ?? caller.ProjectId
            ?? throw ApiFault.BadRequest("Invalid value for project_id: a project is required (the token is not scoped to one)");
        if (!caller.IsAdmin() && project != caller.ProjectId)
            throw ApiFault.Forbidden($"Access was denied to the usage of project {project}");
        var period = UsagePeriod.Parse(context.Request.Query("start"), context.Request.Query("end"), clock.GetUtcNow());
        var report = await usage.ReportAsync(project, period, cancellationToken);
        return JsonBody.Write(report, UsageJsonContext.Default.UsageReport);
    }
}
