using System.Globalization;
using System.Text.Json.Nodes;
using CloudBox.Compute.Servers;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Compute.Usage;

/// <summary><c>/os-simple-tenant-usage</c>: server hours, vCPU/RAM/disk hours per project over [start, end).</summary>
public static class SimpleTenantUsageEndpoints
{
    public static void Map(IEndpointRouteBuilder v21)
    {
        v21.MapGet("/os-simple-tenant-usage", ListAsync);
        v21.MapGet("/os-simple-tenant-usage/{project}", ShowAsync);
    }

    private static (DateTimeOffset Start, DateTimeOffset End) Period(HttpRequest request, TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        return (Parse(request.Query("start"), now.AddDays(-1)), Parse(request.Query("end"), now));
    }

    private static DateTimeOffset Parse(string? value, DateTimeOffset fallback)
    {
        if (value is null)
            return fallback;
        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            ? parsed
            : throw ApiFault.BadRequest($"Invalid time format {value}: use ISO 8601.");
    }

    private static async Task<IResult> ListAsync(HttpContext context, ServerStore servers, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "compute:simple_tenant_usage:list");
        var (start, end) = Period(context.Request, clock);
        var detailed = context.Request.QueryBool("detailed") == true;
        var all = await servers.QueryAsync("created_at < @end", new { end = Timestamps.ToStorage(end) }, cancellationToken);
        var usages = new JsonArray();
        foreach (var group in all.GroupBy(s => s.ProjectId).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var usage = Summarise(group.Key, group, start, end, clock);
            if (usage is null)
                continue;
            if (!detailed)
                usage.Remove("server_usages");
            usages.Add(usage);
        }
        return JsonBody.Node(new JsonObject { ["tenant_usages"] = usages });
    }

    private static async Task<IResult> ShowAsync(string project, HttpContext context, ServerStore servers, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:simple_tenant_usage:show");
        if (caller.ProjectId != project && !ServerAccess.IsAdmin(caller))
            throw ApiFault.Forbidden("Policy doesn't allow os_compute_api:os-simple-tenant-usage:show to be performed.");
        var (start, end) = Period(context.Request, clock);
        var list = await servers.QueryAsync("project_id = @project AND created_at < @end", new { project, end = Timestamps.ToStorage(end) }, cancellationToken);
        return JsonBody.Node(new JsonObject { ["tenant_usage"] = Summarise(project, list, start, end, clock) ?? new JsonObject() });
    }

    private static JsonObject? Summarise(string project, IEnumerable<ServerRecord> list, DateTimeOffset start, DateTimeOffset end, TimeProvider clock)
    {
        double hours = 0, vcpuHours = 0, ramHours = 0, diskHours = 0;
        var servers = new JsonArray();
        foreach (var server in list)
        {
            var launched = Timestamps.FromStorage(server.LaunchedAt ?? server.CreatedAt);
            var terminated = server.TerminatedAt is null ? (DateTimeOffset?)null : Timestamps.FromStorage(server.TerminatedAt);
            var from = launched > start ? launched : start;
            var to = terminated is { } t && t < end ? t : end;
            if (to <= from)
                continue;
            var h = (to - from).TotalHours;
            hours += h;
            vcpuHours += h * server.Vcpus;
            ramHours += h * server.Ram;
            diskHours += h * server.Disk;
            servers.Add(new JsonObject
            {
                ["instance_id"] = server.Id,
                ["name"] = server.Name,
                ["hours"] = h,
                ["vcpus"] = server.Vcpus,
                ["memory_mb"] = server.Ram,
                ["local_gb"] = server.Disk,
                ["flavor"] = JsonNode.Parse(server.Flavor)?["name"]?.GetValue<string>() ?? server.FlavorId,
                ["tenant_id"] = server.ProjectId,
                ["started_at"] = ServerJson.Microseconds(server.LaunchedAt ?? server.CreatedAt),
                ["ended_at"] = server.TerminatedAt is null ? null : ServerJson.Microseconds(server.TerminatedAt),
                ["state"] = server.Deleted ? "terminated" : server.VmState,
                ["uptime"] = (long)(clock.GetUtcNow() - launched).TotalSeconds,
            });
        }
        if (servers.Count == 0)
            return null;
        return new JsonObject
        {
            ["tenant_id"] = project,
            ["start"] = start.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
            ["stop"] = end.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
            ["total_hours"] = hours,
            ["total_vcpus_usage"] = vcpuHours,
            ["total_memory_mb_usage"] = ramHours,
            ["total_local_gb_usage"] = diskHours,
            ["server_usages"] = servers,
        };
    }
}
