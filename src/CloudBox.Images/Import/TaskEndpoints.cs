using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Images.Images;
using CloudBox.Images.Members;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Images.Import;

/// <summary><c>/v2/tasks/{id}</c> and <c>/v2/images/{id}/tasks</c>: how an import is going.</summary>
public static class TaskEndpoints
{
    public static void Map(IEndpointRouteBuilder v2)
    {
        v2.MapGet("/tasks/{id}", GetAsync);
        v2.MapGet("/images/{id}/tasks", ListForImageAsync);
    }

    public static JsonObject ToJson(TaskRecord task) => new()
    {
        ["id"] = task.Id,
        ["type"] = task.Type,
        ["status"] = task.Status,
        ["owner"] = task.Owner,
        ["image_id"] = task.ImageId,
        ["input"] = JsonNode.Parse(task.Input),
        ["result"] = task.Status == TaskStatus.Success ? new JsonObject { ["image_id"] = task.ImageId } : null,
        ["message"] = task.Message,
        ["created_at"] = ImageJson.Glance(task.CreatedAt),
        ["updated_at"] = ImageJson.Glance(task.UpdatedAt),
        ["expires_at"] = null,
        ["self"] = $"/v2/tasks/{task.Id}",
        ["schema"] = "/v2/schemas/task",
    };

    private static async Task<IResult> GetAsync(string id, HttpContext context, TaskStore tasks, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "image:get_task");
        var task = await tasks.FindAsync(id, cancellationToken);
        if (task is null || (task.Owner != caller.ProjectId && !ImageAccess.IsAdmin(caller)))
            throw ApiFault.NotFound($"Task with the given ID {id} could not be found.");
        return JsonBody.Node(ToJson(task));
    }

    private static async Task<IResult> ListForImageAsync(string id, HttpContext context, ImageStore images, MemberStore members, TaskStore tasks, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "image:get_task");
        var image = await ImageEndpoints.FindVisibleAsync(id, caller, images, members, cancellationToken);
        ImageAccess.RequireModify(image, caller);
        var list = new JsonArray();
        foreach (var task in await tasks.ListForImageAsync(id, cancellationToken))
            list.Add(ToJson(task));
        return JsonBody.Node(new JsonObject { ["tasks"] = list });
    }
}
