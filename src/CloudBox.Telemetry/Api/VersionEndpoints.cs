using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Telemetry.Api;

/// <summary>Gnocchi's version document at the root and the v1 index.</summary>
internal static class VersionEndpoints
{
    private static readonly string[] V1Links =
        ["aggregates", "aggregation", "archive_policy", "archive_policy_rule", "batch", "capabilities", "metric", "resource", "resource_type", "search", "status"];

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/", Root);
        routes.MapGet("/v1", V1);
        routes.MapGet("/v1/", V1);
    }

    private static string Base(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}";

    private static IResult Root(HttpContext context) => JsonBody.Node(new JsonObject
    {
        ["build"] = "4.4.0",
        ["versions"] = new JsonArray(new JsonObject
        {
            ["status"] = "CURRENT",
            ["links"] = new JsonArray(new JsonObject { ["rel"] = "self", ["href"] = Base(context.Request) + "/v1/" }),
            ["id"] = "v1.0",
            ["updated"] = "2015-03-19",
        }),
    });

    private static IResult V1(HttpContext context)
    {
        var root = Base(context.Request) + "/v1";
        var links = new JsonArray(new JsonObject { ["rel"] = "self", ["href"] = root });
        foreach (var name in V1Links)
            links.Add(new JsonObject { ["rel"] = name, ["href"] = root + "/" + name });
        return JsonBody.Node(new JsonObject { ["version"] = "1.0", ["links"] = links });
    }
}
