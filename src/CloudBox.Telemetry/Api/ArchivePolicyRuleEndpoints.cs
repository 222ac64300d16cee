using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Telemetry.Indexer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Telemetry.Api;

/// <summary><c>/v1/archive_policy_rule</c>: which policy a metric created without one gets.</summary>
internal static class ArchivePolicyRuleEndpoints
{
    public static void Map(IEndpointRouteBuilder v1)
    {
        v1.MapGet("/archive_policy_rule", ListAsync);
        v1.MapPost("/archive_policy_rule", CreateAsync);
        v1.MapGet("/archive_policy_rule/{name}", GetAsync);
        v1.MapMethods("/archive_policy_rule/{name}", ["PATCH"], RenameAsync);
        v1.MapDelete("/archive_policy_rule/{name}", DeleteAsync);
    }

    private static ApiFault NotFound(string name) => ApiFault.NotFound($"Archive policy rule {name} does not exist");

    private static async Task<IResult> ListAsync(HttpContext context, ArchivePolicyRuleStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "metric:get_archive_policy_rule");
        var list = new JsonArray();
        foreach (var rule in await store.ListAsync(cancellationToken))
            list.Add(GnocchiJson.Rule(rule));
        return JsonBody.Node(list);
    }

    private static async Task<IResult> GetAsync(string name, HttpContext context, ArchivePolicyRuleStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "metric:get_archive_policy_rule");
        var rule = await store.FindAsync(name, cancellationToken) ?? throw NotFound(name);
        return JsonBody.Node(GnocchiJson.Rule(rule));
    }

    private static async Task<IResult> CreateAsync(HttpContext context, ArchivePolicyRuleStore store, ArchivePolicyStore policies, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "metric:create_archive_policy_rule");
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        var name = body["name"]?.GetValue<string>();
        var pattern = body["metric_pattern"]?.GetValue<string>();
        var policyName = body["archive_policy_name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name) || pattern is null || policyName is null)
            throw ApiFault.BadRequest("Invalid input: name, metric_pattern and archive_policy_name are required");
        if (await policies.FindAsync(policyName, cancellationToken) is null)
            throw ApiFault.BadRequest($"Archive policy {policyName} does not exist");
        var rule = new ArchivePolicyRule(name, pattern, policyName);
        if (!await store.InsertAsync(rule, cancellationToken))
            throw ApiFault.Conflict($"Archive policy rule {name} already exists");
        context.Response.Headers.Location = $"{context.Request.PathBase}/v1/archive_policy_rule/{name}";
        return JsonBody.Node(GnocchiJson.Rule(rule), StatusCodes.Status201Created);
    }

    private static async Task<IResult> RenameAsync(string name, HttpContext context, ArchivePolicyRuleStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "metric:update_archive_policy_rule");
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        var newName = body["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(newName))
            throw ApiFault.BadRequest("Invalid input: name is required");
        if (await store.FindAsync(name, cancellationToken) is null)
            throw NotFound(name);
        try
        {
            await store.RenameAsync(name, newName, cancellationToken);
        }
        catch (Exception error) when (CloudBox.Core.Data.Database.IsUniqueViolation(error))
        {
            throw ApiFault.Conflict($"Archive policy rule {newName} already exists");
        }
        return JsonBody.Node(GnocchiJson.Rule((await store.FindAsync(newName, cancellationToken))!));
    }

    private static async Task<IResult> DeleteAsync(string name, HttpContext context, ArchivePolicyRuleStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "metric:delete_archive_policy_rule");
        return await store.DeleteAsync(name, cancellationToken) ? Results.NoContent() : throw NotFound(name);
    }
}
