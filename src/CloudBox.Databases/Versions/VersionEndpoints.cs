using CloudBox.Core.Api;
using CloudBox.Databases.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Databases.Versions;

/// <summary>Trove's version discovery: one version, v1.0, CURRENT.</summary>
internal static class VersionEndpoints
{
    public static void Map(IEndpointRouteBuilder database)
    {
        database.MapGet("/", Versions);
        database.MapGet("/v1.0", Version);
        database.MapGet("/v1.0/", Version);
    }

    private static VersionDocument Document(HttpContext context)
    {
        var request = context.Request;
        var href = $"{request.Scheme}://{request.Host}{request.PathBase}/database/v1.0/";
        return new VersionDocument("v1.0", "CURRENT", "2012-08-01T00:00:00Z", [new Link(href, "self")]);
    }

    private static IResult Versions(HttpContext context) =>
        JsonBody.Write(new VersionsBody([Document(context)]), TroveJson.Default.VersionsBody);

    private static IResult Version(HttpContext context) =>
        JsonBody.Write(new SingleVersionBody(Document(context)), TroveJson.Default.SingleVersionBody);
}
