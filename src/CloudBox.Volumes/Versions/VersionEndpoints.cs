using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Volumes.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Volumes.Versions;

/// <summary>Cinder's version discovery: 300 listing v3.0 with its microversion range.</summary>
public static class VersionEndpoints
{
    public static void Map(IEndpointRouteBuilder volume)
    {
        volume.MapGet("/", (HttpContext context) => JsonBody.Node(new JsonObject { ["versions"] = new JsonArray(Version(context)) }, StatusCodes.Status300MultipleChoices));
        volume.MapGet("/v3", (HttpContext context) => JsonBody.Node(new JsonObject { ["versions"] = new JsonArray(Version(context)) }));
    }

    private static JsonObject Version(HttpContext context)
    {
        var request = context.Request;
        return new JsonObject
        {
            ["id"] = "v3.0",
            ["status"] = "CURRENT",
            ["updated"] = "2023-08-31T00:00:00Z",
            ["min_version"] = VolumeApiVersion.Minimum,
            ["version"] = VolumeApiVersion.Maximum,
            ["links"] = new JsonArray(
                new JsonObject { ["rel"] = "describedby", ["type"] = "text/html", ["href"] = "https://docs.openstack.org/" },
                new JsonObject { ["rel"] = "self", ["href"] = $"{request.Scheme}://{request.Host}{request.PathBase}/volume/v3/" }),
            ["media-types"] = new JsonArray(new JsonObject { ["base"] = "application/json", ["type"] = "application/vnd.openstack.volume+json;version=3" }),
        };
    }
}
