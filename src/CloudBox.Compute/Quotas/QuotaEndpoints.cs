using System.Text.Json.Nodes;
using CloudBox.Compute.Api;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Compute.Quotas;

/// <summary><c>/os-quota-sets/{project}</c>: show (own project, or any for admins), defaults, detail, update and reset (admins).</summary>
public static class QuotaEndpoints
{
    /// <summary>Legacy resources Nova still lists; with no Networking here they are shown at Nova's defaults and not enforced.</summary>
    private static readonly Dictionary<string, int> Legacy = new()
    {
        ["fixed_ips"] = -1, ["floating_ips"] = 10, ["security_groups"] = 10, ["security_group_rules"] = 20,
    };

    public static void Map(IEndpointRouteBuilder v21)
    {
        v21.MapGet("/os-quota-sets/{project}", ShowAsync);
        v21.MapGet("/os-quota-sets/{project}/defaults", DefaultsAsync);
        v21.MapGet("/os-quota-sets/{project}/detail", DetailAsync);
        v21.MapPut("/os-quota-sets/{project}", UpdateAsync);
        v21.MapDelete("/os-quota-sets/{project}", DeleteAsync);
    }

    private static void CheckProject(HttpContext context, PolicyEngine policy, string project)
    {
        var caller = context.Authorize(policy, "compute:quotas:show");
        if (caller.ProjectId != project && !caller.HasRole("admin"))
            throw ApiFault.Forbidden("Policy doesn't allow os_compute_api:os-quota-sets:show to be performed.");
    }

    private static JsonObject Render(HttpContext context, string project, IReadOnlyDictionary<string, int> limits)
    {
        var set = new JsonObject { ["id"] = project };
        foreach (var (resource, limit) in limits.OrderBy(p => p.Key, StringComparer.Ordinal))
            set[resource] = limit;
        if (!Microversions.AtLeast(context, 36))
        {
            foreach (var (resource, limit) in Legacy)
                set[resource] = limit;
        }
        return new JsonObject { ["quota_set"] = set };
    }

    private static async Task<IResult> ShowAsync(string project, HttpContext context, QuotaStore quotas, PolicyEngine policy, CancellationToken cancellationToken)
    {
        CheckProject(context, policy, project);
        return JsonBody.Node(Render(context, project, await quotas.LimitsAsync(project, cancellationToken)));
    }

    private static IResult DefaultsAsync(string project, HttpContext context, QuotaStore quotas, PolicyEngine policy)
    {
        context.Authorize(policy, "compute:quotas:show");
        return JsonBody.Node(Render(context, project, quotas.Defaults));
    }

    private static async Task<IResult> DetailAsync(string project, HttpContext context, QuotaStore quotas, PolicyEngine policy, CancellationToken cancellationToken)
    {
        CheckProject(context, policy, project);
        var limits = await quotas.LimitsAsync(project, cancellationToken);
        var usage = await quotas.UsageAsync(project, context.Request.Query("user_id"), cancellationToken);
        var set = new JsonObject { ["id"] = project };
        foreach (var (resource, limit) in limits.OrderBy(p => p.Key, StringComparer.Ordinal))
            set[resource] = new JsonObject { ["limit"] = limit, ["in_use"] = usage.GetValueOrDefault(resource), ["reserved"] = 0 };
        return JsonBody.Node(new JsonObject { ["quota_set"] = set });
    }

    private static async Task<IResult> UpdateAsync(string project, HttpContext context, QuotaStore quotas, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "compute:quotas:update");
        var body = (await JsonBody.ReadObjectAsync(context.Request, cancellationToken)).RequireObject("quota_set");
        var changes = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (name, _) in body)
        {
            if (name == "force")
                continue;
            if (quotas.Defaults.ContainsKey(name))
                changes[name] = body.RequireInt(name, -1);
            else if (!Legacy.ContainsKey(name))
                throw ApiFault.BadRequest($"Bad key(s) {name} in quota_set");
        }
        await quotas.SetAsync(project, changes, cancellationToken);
        var rendered = Render(context, project, await quotas.LimitsAsync(project, cancellationToken));
        rendered["quota_set"]!.AsObject().Remove("id");
        return JsonBody.Node(rendered);
    }

    private static async Task<IResult> DeleteAsync(string project, HttpContext context, QuotaStore quotas, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "compute:quotas:update");
        await quotas.DeleteAsync(project, cancellationToken);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }
}
