using System.Text.Json.Nodes;
using CloudBox.Compute.Api;
using CloudBox.Core.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Compute.Versions;

/// <summary>Nova's version discovery: the root lists v2.0 and v2.1 (CURRENT); each has its own document.</summary>
public static class VersionEndpoints
{
    private const string Updated = "2013-07-23T11:33:21Z";

    public static void Map(IEndpointRouteBuilder compute)
    {
        compute.MapGet("/", Root);
        compute.MapGet("/v2", (HttpContext c) => One(c, V20(c)));
        compute.MapGet("/v2.1", (HttpContext c) => One(c, V21(c)));
    }

    private static string Base(HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}/compute";

    private static IResult Root(HttpContext context) =>
        JsonBody.Node(new JsonObject { ["versions"] = new JsonArray(V20(context), V21(context)) });

    private static IResult One(HttpContext context, JsonObject version)
    {
        version["media-types"] = new JsonArray(new JsonObject
        {
            ["base"] = "application/json",
            ["type"] = "application/vnd.openstack.compute+json;version=2",
        });
        return JsonBody.Node(new JsonObject { ["version"] = version });
    }

    private static JsonObject V20(HttpContext context) => new()
    {
        ["id"] = "v2.0",
        ["status"] = "SUPPORTED",
        ["version"] = "",
        ["min_version"] = "",
        ["updated"] = "2011-01-21T11:33:21Z",
        ["links"] = new JsonArray(new JsonObject { ["rel"] = "self", ["href"] = Base(context) + "/v2/" }),
    };

    private static JsonObject V21(HttpContext context) => new()
    {
        ["id"] = "v2.1",
        ["status"] = "CURRENT",
        ["version"] = Microversions.Maximum,
        ["min_version"] = Microversions.Minimum,
        ["updated"] = Updated,
        ["links"] = new JsonArray(new JsonObject { ["rel"] = "self", ["href"] = Base(context) + "/v2.1/" }),
    };
}
