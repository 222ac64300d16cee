using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Compute.Quotas;

/// <summary><c>/limits</c>: the project's absolute limits and what it uses (no rate limits).</summary>
public static class LimitsEndpoints
{
    public static void Map(IEndpointRouteBuilder v21) => v21.MapGet("/limits", GetAsync);

    private static async Task<IResult> GetAsync(HttpContext context, QuotaStore quotas, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:limits");
        var project = context.Request.Query("tenant_id") is { } other && caller.HasRole("admin") ? other : caller.ProjectId ?? "";
        var limits = await quotas.LimitsAsync(project, cancellationToken);
        var used = await quotas.UsageAsync(project, caller.UserId, cancellationToken);
        var absolute = new JsonObject
        {
            ["maxTotalInstances"] = limits["instances"],
            ["maxTotalCores"] = limits["cores"],
            ["maxTotalRAMSize"] = limits["ram"],
            ["maxTotalKeypairs"] = limits["key_pairs"],
            ["maxServerMeta"] = limits["metadata_items"],
            ["maxImageMeta"] = limits["metadata_items"],
            ["maxPersonality"] = limits["injected_files"],
            ["maxPersonalitySize"] = limits["injected_file_content_bytes"],
            ["maxServerGroups"] = limits["server_groups"],
            ["maxServerGroupMembers"] = limits["server_group_members"],
            ["maxSecurityGroups"] = 10,
            ["maxSecurityGroupRules"] = 20,
            ["maxTotalFloatingIps"] = 10,
            ["totalInstancesUsed"] = used["instances"],
            ["totalCoresUsed"] = used["cores"],
            ["totalRAMUsed"] = used["ram"],
            ["totalSecurityGroupsUsed"] = 0,
            ["totalFloatingIpsUsed"] = 0,
            ["totalServerGroupsUsed"] = used["server_groups"],
        };
        if (Api.Microversions.AtLeast(context, 36))
        {
            // 2.36 dropped the network proxy limits.
            foreach (var key in new[] { "maxSecurityGroups", "maxSecurityGroupRules", "maxTotalFloatingIps", "totalSecurityGroupsUsed", "totalFloatingIpsUsed" })
                absolute.Remove(key);
        }
        return JsonBody.Node(new JsonObject { ["limits"] = new JsonObject { ["rate"] = new JsonArray(), ["absolute"] = absolute } });
    }
}
