using System.Text.Json.Nodes;
using CloudBox.Identity.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Identity.Versions;

/// <summary>Version discovery: <c>GET /identity</c> (300, every version) and <c>GET /identity/v3</c> (200, this one).</summary>
public static class VersionEndpoints
{
    public const string Version = "v3.14";
    private const string Updated = "2020-04-07T00:00:00Z";

    public static void Map(IEndpointRouteBuilder identity)
    {
        identity.MapGet("/", (HttpContext context) => KeystoneResponses.Json(new JsonObject
        {
            ["versions"] = new JsonObject { ["values"] = new JsonArray(Describe(context.Request)) },
        }, StatusCodes.Status300MultipleChoices));
        identity.MapGet("/v3", (HttpContext context) => KeystoneResponses.Json(new JsonObject { ["version"] = Describe(context.Request) }));
    }

    private static JsonObject Describe(HttpRequest request) => new()
    {
        ["id"] = Version,
        ["status"] = "stable",
        ["updated"] = Updated,
        ["links"] = new JsonArray(new JsonObject { ["rel"] = "self", ["href"] = IdentityUrls.V3(request) + "/" }),
        ["media-types"] = new JsonArray(new JsonObject { ["base"] = "application/json", ["type"] = "application/vnd.openstack.identity-v3+json" }),
    };
}
