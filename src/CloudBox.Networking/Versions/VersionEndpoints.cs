using System.Text.Json.Nodes;
using CloudBox.Networking.Api;
using CloudBox.Networking.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Networking.Versions;

/// <summary>Unauthenticated version discovery: <c>GET /network</c> lists v2.0; <c>GET /network/v2.0</c> lists its resources.</summary>
public static class VersionEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/", ListVersions);
        routes.MapGet("/v2.0", ListResources);
    }

    private static string Base(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}/network";

    private static IResult ListVersions(HttpRequest request) => NeutronResponses.Json(new JsonObject
    {
        ["versions"] = new JsonArray(new JsonObject
        {
            ["id"] = "v2.0",
            ["status"] = "CURRENT",
            ["links"] = new JsonArray(new JsonObject { ["rel"] = "self", ["href"] = Base(request) + "/v2.0/" }),
        }),
    });

    private static IResult ListResources(HttpRequest request)
    {
        var resources = new JsonArray();
        foreach (var type in ResourceType.All)
        {
            resources.Add(new JsonObject
            {
                ["name"] = type.Singular,
                ["collection"] = type.Plural,
                ["links"] = new JsonArray(new JsonObject { ["rel"] = "self", ["href"] = $"{Base(request)}/v2.0/{type.Path}" }),
            });
        }
        return NeutronResponses.Json(new JsonObject { ["resources"] = resources });
    }
}
