using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Databases.Api;
using CloudBox.Databases.Cloud;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Databases.Flavors;

/// <summary>Trove's <c>/flavors</c>: Compute's flavors as the caller sees them (the client looks flavors up here by name).</summary>
internal static class FlavorEndpoints
{
    public static void Map(IEndpointRouteBuilder project)
    {
        project.MapGet("/flavors", ListAsync);
        project.MapGet("/flavors/{id}", GetAsync);
        project.MapGet("/datastores/{datastore}/versions/{version}/flavors", ListAsync);
    }

    private static async Task<IResult> ListAsync(string projectId, HttpContext context, UserCloud cloud, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = TroveRoutes.Authorize(context, policy, "trove:flavor:index", projectId);
        using var session = cloud.ForToken(caller.Token);
        var flavors = await session.FlavorsAsync(cancellationToken);
        return JsonBody.Write(new FlavorsBody(flavors.Select(f => Summary(context, projectId, f!)).ToList()), TroveJson.Default.FlavorsBody);
    }

    private static async Task<IResult> GetAsync(string projectId, string id, HttpContext context, UserCloud cloud, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = TroveRoutes.Authorize(context, policy, "trove:flavor:index", projectId);
        using var session = cloud.ForToken(caller.Token);
        var flavor = await session.FlavorAsync(id, cancellationToken) ?? throw ApiFault.NotFound($"Flavor {id} cannot be found.");
        return JsonBody.Write(new FlavorBody(Summary(context, projectId, flavor)), TroveJson.Default.FlavorBody);
    }

    private static FlavorSummary Summary(HttpContext context, string projectId, JsonNode flavor)
    {
        var id = flavor["id"]!.GetValue<string>();
        return new FlavorSummary(id, flavor["name"]?.GetValue<string>() ?? id, flavor["ram"]?.GetValue<int>() ?? 0, flavor["vcpus"]?.GetValue<int>() ?? 0,
            flavor["disk"]?.GetValue<int>() ?? 0, id, TroveRoutes.Links(context, projectId, "flavors/" + id));
    }
}
