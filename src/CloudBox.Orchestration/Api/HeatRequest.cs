using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Local;
using CloudBox.Orchestration.Data;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Orchestration.Api;

/// <summary>Helpers of the Heat handlers: the caller on the URL's project, stack lookups, links.</summary>
internal static class HeatRequest
{
    public static CallerContext Caller(HttpContext context, string projectId)
    {
        var caller = context.RequireCaller();
        if (caller.ProjectId != projectId && !caller.HasRole("admin"))
            throw new HeatFault(403, $"You are not authorized to act on project {projectId}.", "Forbidden");
        return caller;
    }

    public static async Task<StackRecord> StackAsync(StackStore store, string projectId, string nameOrId, CallerContext caller, CancellationToken cancellationToken)
    {
        var stack = await store.FindStackAsync(caller.HasRole("admin") ? null : projectId, nameOrId, cancellationToken);
        return stack ?? throw new HeatFault(404, $"The Stack ({nameOrId}) could not be found.", "EntityNotFound");
    }

    public static string StackUrl(HttpContext context, string projectId, StackRecord stack) =>
        $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}/orchestration/v1/{projectId}/stacks/{Uri.EscapeDataString(stack.Name)}/{stack.Id}";

    public static HttpClient CallerClient(LocalApi api, CallerContext caller)
    {
        var client = api.CreateClient(caller.Token);
        client.DefaultRequestHeaders.Add("X-Project-Id", caller.ProjectId ?? "");
        return client;
    }
}
