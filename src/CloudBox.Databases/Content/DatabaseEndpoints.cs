using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Databases.Agent;
using CloudBox.Databases.Api;
using CloudBox.Databases.Instances;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Databases.Content;

/// <summary>Trove's <c>/instances/{id}/databases</c>: the datastore's databases, created, listed and dropped by the instance's agent.</summary>
internal static class DatabaseEndpoints
{
    public static void Map(IEndpointRouteBuilder project)
    {
        project.MapGet("/instances/{id}/databases", ListAsync);
        project.MapPost("/instances/{id}/databases", CreateAsync);
        project.MapDelete("/instances/{id}/databases/{name}", DeleteAsync);
    }

    private static async Task<IResult> ListAsync(string projectId, string id, HttpContext context, InstanceService instances, AgentTasks agent, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = TroveRoutes.Authorize(context, policy, "trove:instance:extension:database:index", projectId);
        var instance = await instances.FindAsync(caller, projectId, id, cancellationToken);
        InstanceService.RequireActive(instance);
        var result = await agent.CallAsync(instance.Id, "list_databases", new TaskPayload(), cancellationToken);
        var databases = (result.Databases ?? []).OrderBy(d => d.Name, StringComparer.Ordinal).ToList();
        return JsonBody.Write(new DatabaseListBody(databases), TroveJson.Default.DatabaseListBody);
    }

    private static async Task<IResult> CreateAsync(string projectId, string id, HttpContext context, InstanceService instances, AgentTasks agent, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = TroveRoutes.Authorize(context, policy, "trove:instance:extension:database:manage", projectId);
        var body = await JsonBody.ReadAsync(context.Request, TroveJson.Default.DatabaseListBody, cancellationToken);
        var databases = DatastoreNames.Databases(body.Databases);
        if (databases.Count == 0)
            throw ApiFault.BadRequest("Give at least one database.");
        var instance = await instances.FindAsync(caller, projectId, id, cancellationToken);
        InstanceService.RequireActive(instance);
        await agent.CallAsync(instance.Id, "create_databases", new TaskPayload(Databases: databases), cancellationToken);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> DeleteAsync(string projectId, string id, string name, HttpContext context, InstanceService instances, AgentTasks agent, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = TroveRoutes.Authorize(context, policy, "trove:instance:extension:database:manage", projectId);
        var database = DatastoreNames.Database(name);
        var instance = await instances.FindAsync(caller, projectId, id, cancellationToken);
        InstanceService.RequireActive(instance);
        await agent.CallAsync(instance.Id, "delete_database", new TaskPayload(Database: database), cancellationToken);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }
}
