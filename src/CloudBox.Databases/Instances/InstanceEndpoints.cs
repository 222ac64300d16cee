using System.Text.Json;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Databases.Agent;
using CloudBox.Databases.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Databases.Instances;

/// <summary>Trove's <c>/instances</c>: create, list (paged), show, rename, delete, restart and the admin's reset of a stuck status.</summary>
internal static class InstanceEndpoints
{
    public static void Map(IEndpointRouteBuilder project)
    {
        project.MapGet("/instances", ListAsync);
        project.MapGet("/instances/detail", ListAsync);
        project.MapPost("/instances", CreateAsync);
        project.MapGet("/instances/{id}", GetAsync);
        project.MapPut("/instances/{id}", UpdateAsync);
        project.MapPatch("/instances/{id}", UpdateAsync);
        project.MapDelete("/instances/{id}", DeleteAsync);
        project.MapPost("/instances/{id}/action", ActionAsync);
    }

    private static async Task<IResult> ListAsync(string projectId, HttpContext context, InstanceStore store, InstanceDocuments documents, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = TroveRoutes.Authorize(context, policy, "trove:instance:index", projectId);
        var limit = ParseLimit(context.Request.Query("limit"));
        InstanceRecord? marker = null;
        if (context.Request.Query("marker") is { } markerId)
        {
            marker = await store.FindAsync(markerId, cancellationToken);
            if (marker is null || marker.ProjectId != projectId)
                throw ApiFault.BadRequest($"Marker {markerId} is not an instance of this project.");
        }
        var page = await store.ListAsync(projectId, limit + 1, marker, cancellationToken);
        var document = await documents.ForAsync(context, projectId, caller.HasRole("admin"), cancellationToken);
        var shown = page.Take(limit).Select(document).ToList();
        var links = new List<Link>();
        if (page.Count > limit)
            links.Add(new Link(TroveRoutes.Url(context, projectId, $"instances?limit={limit}&marker={shown[^1].Id}"), "next"));
        return JsonBody.Write(new InstancesBody(shown, links), TroveJson.Default.InstancesBody);
    }

    private static async Task<IResult> CreateAsync(string projectId, HttpContext context, InstanceService service, InstanceDocuments documents, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = TroveRoutes.Authorize(context, policy, "trove:instance:create", projectId);
        var body = await JsonBody.ReadAsync(context.Request, TroveJson.Default.InstanceCreateBody, cancellationToken);
        var instance = await service.CreateAsync(caller, body.Instance, cancellationToken);
        var document = await documents.ForAsync(context, projectId, caller.HasRole("admin"), cancellationToken);
        return JsonBody.Write(new InstanceBody(document(instance)), TroveJson.Default.InstanceBody);
    }

    private static async Task<IResult> GetAsync(string projectId, string id, HttpContext context, InstanceService service, InstanceDocuments documents, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = TroveRoutes.Authorize(context, policy, "trove:instance:index", projectId);
        var instance = await service.FindAsync(caller, projectId, id, cancellationToken);
        var document = await documents.ForAsync(context, projectId, caller.HasRole("admin"), cancellationToken);
        return JsonBody.Write(new InstanceBody(document(instance)), TroveJson.Default.InstanceBody);
    }

    private static async Task<IResult> UpdateAsync(string projectId, string id, HttpContext context, InstanceService service, Configurations.ConfigurationService configurations, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = TroveRoutes.Authorize(context, policy, "trove:instance:update", projectId);
        var body = await JsonBody.ReadAsync(context.Request, TroveJson.Default.InstanceUpdateBody, cancellationToken);
        var configuration = body.Instance?.Configuration ?? default;
        if (configuration.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.String))
            throw ApiFault.BadRequest("configuration must be a configuration group's id, or null to detach it.");
        var instance = await service.UpdateAsync(caller, projectId, id, body.Instance, cancellationToken);
        if (configuration.ValueKind == JsonValueKind.String)
            await configurations.AttachAsync(caller, projectId, instance, configuration.GetString()!, cancellationToken);
        else if (configuration.ValueKind == JsonValueKind.Null)
            await configurations.DetachAsync(instance, cancellationToken);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> DeleteAsync(string projectId, string id, HttpContext context, InstanceService service, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = TroveRoutes.Authorize(context, policy, "trove:instance:delete", projectId);
        await service.DeleteAsync(caller, projectId, id, cancellationToken);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> ActionAsync(string projectId, string id, HttpContext context, InstanceService service, AgentTasks agent, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = TroveRoutes.Authorize(context, policy, "trove:instance:action", projectId);
        var body = await JsonBody.ReadAsync(context.Request, TroveJson.Default.InstanceActionBody, cancellationToken);
        var instance = await service.FindAsync(caller, projectId, id, cancellationToken);
        if (body.Restart is not null)
        {
            InstanceService.RequireActive(instance);
            await service.SetStatusAsync(instance.Id, InstanceStatus.Reboot, null, cancellationToken);
            await agent.QueueAsync(instance.Id, "restart", new TaskPayload(), cancellationToken);
            return Results.StatusCode(StatusCodes.Status202Accepted);
        }
        if (body.ResetStatus is not null)
        {
            TroveRoutes.Authorize(context, policy, "trove:instance:reset_status", projectId);
            // Trove's reset: the instance shows ERROR so that it can be deleted or repaired; a build in progress stops.
            await service.SetStatusAsync(instance.Id, InstanceStatus.Error, current =>
            {
                if (current.Step != InstanceSteps.Delete)
                    current.Step = InstanceSteps.Failed;
                current.Fault = "The status was reset by an administrator.";
                return true;
            }, cancellationToken);
            return Results.StatusCode(StatusCodes.Status202Accepted);
        }
        if (body.Resize is not null)
            throw ApiFault.BadRequest("Resizing a database instance is not supported by this cloud yet.");
        throw ApiFault.BadRequest("The action body must hold one of: restart, reset_status.");
    }

    internal static int ParseLimit(string? value)
    {
        if (value is null)
            return 20;
        if (!int.TryParse(value, out var limit) || limit < 1)
            throw ApiFault.BadRequest($"limit must be a positive integer, not '{value}'.");
        return Math.Min(limit, InstanceStore.MaxPage);
    }
}
