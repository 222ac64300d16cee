using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Images.Versions;

/// <summary>Glance's version discovery: 300 Multiple Choices listing v2.x, newest CURRENT.</summary>
public static class VersionEndpoints
{
    // Glance 2023.2's list; 2.16 is the newest minor this module implements the surface of.
    private static readonly string[] Minors = ["2.16", "2.15", "2.14", "2.13", "2.12", "2.11", "2.10", "2.9", "2.8", "2.7", "2.6", "2.5", "2.4", "2.3", "2.2", "2.1", "2.0"];

    public static void Map(IEndpointRouteBuilder image)
    {
        image.MapGet("/", Versions);
        image.MapGet("/versions", Versions);
        image.MapGet("/v2", Versions);
        image.MapGet("/v2/", Versions);
    }

    private static IResult Versions(HttpContext context)
    {
        var request = context.Request;
        var root = $"{request.Scheme}://{request.Host}{request.PathBase}/image";
        var values = new JsonArray();
        for (var i = 0; i < Minors.Length; i++)
        {
            values.Add(new JsonObject
            {
                ["id"] = "v" + Minors[i],
                ["status"] = i == 0 ? "CURRENT" : "SUPPORTED",
                ["links"] = new JsonArray(new JsonObject { ["rel"] = "self", ["href"] = root + "/v2/" }),
            });
        }
        return JsonBody.Node(new JsonObject { ["versions"] = values }, StatusCodes.Status300MultipleChoices);
    }
}
