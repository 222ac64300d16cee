using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Policy;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Databases.Api;

/// <summary>What every Trove handler does first: authorise, check the project in the path, and build links.</summary>
internal static class TroveRoutes
{
    /// <summary>The caller after the policy check; a project id in the path must be the caller's own unless the caller is an admin.</summary>
    public static CallerContext Authorize(HttpContext context, PolicyEngine policy, string action, string projectId)
    {
        var caller = context.Authorize(policy, action);
        if (caller.ProjectId != projectId && !caller.HasRole("admin"))
            throw ApiFault.Forbidden($"Project {projectId} in the URL is not the project of the token.");
        return caller;
    }

    /// <summary>The URL of <paramref name="path"/> under this project's Trove endpoint.</summary>
    public static string Url(HttpContext context, string projectId, string path)
    {
        var request = context.Request;
        return $"{request.Scheme}://{request.Host}{request.PathBase}/database/v1.0/{projectId}/{path}";
    }

    public static IReadOnlyList<Link> Links(HttpContext context, string projectId, string path)
    {
        var url = Url(context, projectId, path);
        return [new Link(url, "self"), new Link(url, "bookmark")];
    }
}
