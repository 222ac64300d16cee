using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Databases.Agent;
using CloudBox.Databases.Api;
using CloudBox.Databases.Instances;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Databases.Content;

/// <summary>Trove's <c>/instances/{id}/root</c>: enable the datastore's superuser with a fresh password, ask whether it ever was, disable it.</summary>
internal static class RootEndpoints
{
    public static void Map(IEndpointRouteBuilder project)
    {
        project.MapPost("/instances/{id}/root", EnableAsync);
        project.MapGet("/instances/{id}/root", StatusAsync);
        project.MapDelete("/instances/{id}/root", DisableAsync);
    }

    private static async Task<IResult> EnableAsync(string projectId, string id, HttpContext context, InstanceService instances, AgentTasks agent, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = TroveRoutes.Authorize(context, policy, "trove:instance:extension:root:manage", projectId);
        var instance = await instances.FindAsync(caller, projectId, id, cancellationToken);
        InstanceService.RequireActive(instance);
        var password = AgentSecrets.New();
        var result = await agent.CallAsync(instance.Id, "enable_root", new TaskPayload(Password: password), cancellationToken);
        await instances.SetStatusAsync(instance.Id, instance.Status, current =>
        {
            current.RootEnabledAt = Timestamps.ToStorage(clock.GetUtcNow());
            return true;
        }, cancellationToken);
        return JsonBody.Write(new RootBody(new UserRef(result.User?.Name ?? "root", password)), TroveJson.Default.RootBody);
    }

    private static async Task<IResult> StatusAsync(string projectId, string id, HttpContext context, InstanceService instances, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = TroveRoutes.Authorize(context, policy, "trove:instance:extension:root:index", projectId);
        var instance = await instances.FindAsync(caller, projectId, id, cancellationToken);
        return JsonBody.Write(new RootStatusBody(instance.RootEnabledAt is not null), TroveJson.Default.RootStatusBody);
    }

    private static async Task<IResult> DisableAsync(string projectId, string id, HttpContext context, InstanceService instances, AgentTasks agent, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = TroveRoutes.Authorize(context, policy, "trove:instance:extension:root:manage", projectId);
        var instance = await instances.FindAsync(caller, projectId, id, cancellationToken);
        InstanceService.RequireActive(instance);
        await agent.CallAsync(instance.Id, "disable_root", new TaskPayload(), cancellationToken);
        return Results.StatusCode(StatusCodes.Status204NoContent);
    }
}
