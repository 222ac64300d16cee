using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Compute.Api;

/// <summary>Nova's <c>links</c> arrays: a versioned <c>self</c> and an unversioned <c>bookmark</c>.</summary>
public static class ComputeLinks
{
    public static string Versioned(HttpContext context) =>
        $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}/compute/v2.1";

    public static JsonArray For(HttpContext context, string projectScoped, string collection, string id)
    {
        var root = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}/compute";
        return new JsonArray(
            new JsonObject { ["rel"] = "self", ["href"] = $"{root}/v2.1/{projectScoped}{collection}/{id}" },
            new JsonObject { ["rel"] = "bookmark", ["href"] = $"{root}/{projectScoped}{collection}/{id}" });
    }

    public static JsonArray For(HttpContext context, string collection, string id) => For(context, "", collection, id);
}
