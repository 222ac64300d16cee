using System.Text.Json.Nodes;
using CloudBox.Compute.Servers;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Compute.InstanceActions;

/// <summary><c>/servers/{id}/os-instance-actions</c>: what was done to a server, by whom and when.</summary>
public static class InstanceActionEndpoints
{
    public static void Map(IEndpointRouteBuilder v21)
    {
        v21.MapGet("/servers/{id}/os-instance-actions", ListAsync);
        v21.MapGet("/servers/{id}/os-instance-actions/{requestId}", GetAsync);
    }

    private static JsonObject Render(InstanceActionRecord action) => new()
    {
        ["action"] = action.Action,
        ["instance_uuid"] = action.ServerId,
        ["message"] = action.Message,
        ["project_id"] = action.ProjectId,
        ["request_id"] = action.RequestId,
        ["start_time"] = ServerJson.Microseconds(action.StartTime),
        ["user_id"] = action.UserId,
    };

    private static async Task<IResult> ListAsync(string id, HttpContext context, ServerStore servers, InstanceActionStore actions, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:instance_actions");
        await ServerAccess.FindVisibleAsync(id, caller, servers, cancellationToken);
        var list = new JsonArray();
        foreach (var action in await actions.ListAsync(id, cancellationToken))
            list.Add(Render(action));
        return JsonBody.Node(new JsonObject { ["instanceActions"] = list });
    }

    private static async Task<IResult> GetAsync(string id, string requestId, HttpContext context, ServerStore servers, InstanceActionStore actions, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:instance_actions");
        await ServerAccess.FindVisibleAsync(id, caller, servers, cancellationToken);
        var action = (await actions.ListAsync(id, cancellationToken)).FirstOrDefault(a => a.RequestId == requestId)
            ?? throw ApiFault.NotFound($"Action for request_id {requestId} on instance {id} not found");
        var body = Render(action);
        body["events"] = new JsonArray();
        return JsonBody.Node(new JsonObject { ["instanceAction"] = body });
    }
}
