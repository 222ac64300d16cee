using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Networking.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Networking.Quotas;

/// <summary><c>/v2.0/quotas</c>: show, set and reset a project's limits; defaults; usage details.</summary>
public static class QuotaEndpoints
{
    public static void Map(IEndpointRouteBuilder v2)
    {
        v2.MapGet("/quotas", ListAsync);
        v2.MapGet("/quotas/{projectId}", GetAsync);
        v2.MapGet("/quotas/{projectId}/default", GetDefault);
        v2.MapGet("/quotas/{projectId}/details", GetDetailsAsync);
        v2.MapPut("/quotas/{projectId}", UpdateAsync);
        v2.MapDelete("/quotas/{projectId}", DeleteAsync);
    }

    private static JsonObject ToJson(IReadOnlyDictionary<string, int> limits)
    {
        var body = new JsonObject();
        foreach (var (resource, limit) in limits)
            body[resource] = limit;
        return body;
    }

    private static async Task<IResult> ListAsync(HttpContext context, QuotaStore quotas, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "list_quotas", null);
        var items = new JsonArray();
        foreach (var projectId in await quotas.ProjectsAsync(cancellationToken))
        {
            var quota = ToJson(await quotas.GetAsync(projectId, cancellationToken));
            quota["project_id"] = projectId;
            quota["tenant_id"] = projectId;
            items.Add(quota);
        }
        return NeutronResponses.Json(new JsonObject { ["quotas"] = items });
    }

    private static async Task<IResult> GetAsync(string projectId, HttpContext context, QuotaStore quotas, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "get_quota", projectId);
        return NeutronResponses.Json(new JsonObject { ["quota"] = ToJson(await quotas.GetAsync(projectId, cancellationToken)) });
    }

    private static IResult GetDefault(string projectId, HttpContext context, PolicyEngine policy)
    {
        context.Authorize(policy, "get_quota", projectId);
        return NeutronResponses.Json(new JsonObject { ["quota"] = ToJson(QuotaStore.Defaults) });
    }

    private static async Task<IResult> GetDetailsAsync(string projectId, HttpContext context, QuotaStore quotas, PolicyEngine policy,
        CancellationToken cancellationToken)
    {
        context.Authorize(policy, "get_quota", projectId);
        var limits = await quotas.GetAsync(projectId, cancellationToken);
        var usage = await quotas.UsageAsync(projectId, cancellationToken);
        var body = new JsonObject();
        foreach (var (resource, limit) in limits)
            body[resource] = new JsonObject { ["limit"] = limit, ["used"] = usage.GetValueOrDefault(resource), ["reserved"] = 0 };
        return NeutronResponses.Json(new JsonObject { ["quota"] = body });
    }

    private static async Task<IResult> UpdateAsync(string projectId, HttpContext context, QuotaStore quotas, PolicyEngine policy,
        CancellationToken cancellationToken)
    {
        context.Authorize(policy, "update_quota", projectId);
        var request = await NeutronRequest.ReadAsync(context.Request, "quota", cancellationToken);
        var limits = new Dictionary<string, int>();
        foreach (var (resource, node) in request)
        {
            if (!QuotaStore.Defaults.ContainsKey(resource))
                throw NeutronFault.InvalidInput($"Unrecognized attribute(s) '{resource}'");
            if (node is null || node.GetValueKind() != JsonValueKind.Number || !node.AsValue().TryGetValue<int>(out var limit) || limit < -1)
                throw NeutronFault.InvalidInput($"'{node}' for {resource} must be an integer of -1 or more");
            limits[resource] = limit;
        }
        await quotas.SetAsync(projectId, limits, cancellationToken);
        return NeutronResponses.Json(new JsonObject { ["quota"] = ToJson(await quotas.GetAsync(projectId, cancellationToken)) });
    }

    private static async Task<IResult> DeleteAsync(string projectId, HttpContext context, QuotaStore quotas, PolicyEngine policy,
        CancellationToken cancellationToken)
    {
        context.Authorize(policy, "delete_quota", projectId);
        await quotas.ResetAsync(projectId, cancellationToken);
        return Results.NoContent();
    }
}
