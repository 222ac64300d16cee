using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Volumes.Api;
using CloudBox.Volumes.Volumes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Volumes.Quotas;

/// <summary><c>os-quota-sets</c>, <c>limits</c> and <c>os-availability-zone</c>.</summary>
public static class QuotaEndpoints
{
    public static void Map(IEndpointRouteBuilder project)
    {
        project.MapGet("/os-quota-sets/{target}", ShowAsync);
        project.MapGet("/os-quota-sets/{target}/defaults", (string target) => JsonBody.Node(QuotaSet(target, QuotaResource.Defaults, null)));
        project.MapPut("/os-quota-sets/{target}", UpdateAsync);
        project.MapGet("/limits", LimitsAsync);
        project.MapGet("/os-availability-zone", () => JsonBody.Node(new JsonObject
        {
            ["availabilityZoneInfo"] = new JsonArray(new JsonObject
            {
                ["zoneName"] = VolumeJson.AvailabilityZone,
                ["zoneState"] = new JsonObject { ["available"] = true },
            }),
        }));
    }

    private static JsonObject QuotaSet(string target, IReadOnlyDictionary<string, int> limits, QuotaUsage? usage)
    {
        var set = new JsonObject { ["id"] = target };
        foreach (var (resource, limit) in limits)
        {
            set[resource] = usage is null ? limit : new JsonObject
            {
                ["limit"] = limit,
                ["in_use"] = usage.InUse(resource),
                ["reserved"] = 0,
                ["allocated"] = 0,
            };
        }
        set["per_volume_gigabytes"] = usage is null ? -1 : new JsonObject { ["limit"] = -1, ["in_use"] = 0, ["reserved"] = 0, ["allocated"] = 0 };
        set["groups"] = usage is null ? 10 : new JsonObject { ["limit"] = 10, ["in_use"] = 0, ["reserved"] = 0, ["allocated"] = 0 };
        return new JsonObject { ["quota_set"] = set };
    }

    private static async Task<IResult> ShowAsync(string projectId, string target, HttpContext context, QuotaStore quotas, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "volume:show_quota");
        if (target != caller.ProjectId && !VolumesRequest.IsAdmin(caller))
            throw ApiFault.Forbidden($"Policy doesn't allow reading the quotas of project {target}.");
        var limits = await quotas.LimitsAsync(target, cancellationToken);
        var usage = context.Request.QueryBool("usage") == true ? await quotas.UsageAsync(target, cancellationToken) : null;
        return JsonBody.Node(QuotaSet(target, limits, usage));
    }

    private static async Task<IResult> UpdateAsync(string projectId, string target, HttpContext context, QuotaStore quotas, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "volume:update_quota");
        var body = VolumesRequest.Member(await JsonBody.ReadObjectAsync(context.Request, cancellationToken), "quota_set");
        var changes = new Dictionary<string, int>();
        foreach (var resource in QuotaResource.Defaults.Keys)
        {
            if (VolumesRequest.OptionalInt(body, resource) is { } limit)
                changes[resource] = limit >= -1 ? limit : throw ApiFault.BadRequest($"Quota limit {limit} for {resource} must be -1 or greater.");
        }
        await quotas.SetAsync(target, changes, cancellationToken);
        return JsonBody.Node(QuotaSet(target, await quotas.LimitsAsync(target, cancellationToken), null));
    }

    private static async Task<IResult> LimitsAsync(string projectId, HttpContext context, QuotaStore quotas, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "volume:show_quota");
        VolumesRequest.RequireProject(caller, projectId);
        var limits = await quotas.LimitsAsync(projectId, cancellationToken);
        var usage = await quotas.UsageAsync(projectId, cancellationToken);
        return JsonBody.Node(new JsonObject
        {
            ["limits"] = new JsonObject
            {
                ["rate"] = new JsonArray(),
                ["absolute"] = new JsonObject
                {
                    ["maxTotalVolumes"] = limits[QuotaResource.Volumes],
                    ["maxTotalSnapshots"] = limits[QuotaResource.Snapshots],
                    ["maxTotalVolumeGigabytes"] = limits[QuotaResource.Gigabytes],
                    ["maxTotalBackups"] = limits[QuotaResource.Backups],
                    ["maxTotalBackupGigabytes"] = limits[QuotaResource.BackupGigabytes],
                    ["totalVolumesUsed"] = usage.Volumes,
                    ["totalSnapshotsUsed"] = usage.Snapshots,
                    ["totalGigabytesUsed"] = usage.Gigabytes,
                    ["totalBackupsUsed"] = usage.Backups,
                    ["totalBackupGigabytesUsed"] = usage.BackupGigabytes,
                },
            },
        });
    }
}
