using System.Text.Json.Nodes;
using CloudBox.Orchestration.Data;
using CloudBox.Orchestration.Engine;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Orchestration.Api;

/// <summary>The JSON of stacks, resources and events as Heat's API answers them.</summary>
internal static class StackViews
{
    public static string Time(string? stored) => stored is null ? null! : stored.Length >= 19 ? stored[..19] + "Z" : stored;

    public static JsonObject Stack(HttpContext context, string projectId, StackRecord stack, bool detail, StackDefinition? definition, JsonArray? outputs)
    {
        var json = new JsonObject
        {
            ["id"] = stack.Id,
            ["stack_name"] = stack.Name,
            ["description"] = definition?.Template.Description ?? "",
            ["creation_time"] = Time(stack.CreatedAt),
            ["updated_time"] = stack.UpdatedAt is null ? null : Time(stack.UpdatedAt),
            ["deletion_time"] = stack.DeletedAt is null ? null : Time(stack.DeletedAt),
            ["stack_status"] = stack.FullStatus,
            ["stack_status_reason"] = stack.StatusReason,
            ["stack_owner"] = null,
            ["parent"] = stack.ParentId,
            ["project"] = stack.ProjectId,
            ["stack_user_project_id"] = stack.ProjectId,
            ["tags"] = JsonNode.Parse(stack.Tags) is JsonArray { Count: > 0 } tags ? tags : null,
            ["links"] = new JsonArray(new JsonObject { ["href"] = HeatRequest.StackUrl(context, projectId, stack), ["rel"] = "self" }),
        };
        if (!detail)
            return json;
        var parameters = new JsonObject();
        if (definition is not null)
        {
            foreach (var (name, value) in definition.Parameters)
            {
                var hidden = definition.Template.Parameter(name)?.Hidden == true;
                parameters[name] = hidden ? "******" : Templates.TemplateFunctions.PlainText(value);
            }
        }
        json["parameters"] = parameters;
        json["outputs"] = outputs ?? new JsonArray();
        json["template_description"] = definition?.Template.Description ?? "";
        json["timeout_mins"] = stack.TimeoutMins;
        json["disable_rollback"] = stack.DisableRollback;
        json["capabilities"] = new JsonArray();
        json["notification_topics"] = new JsonArray();
        return json;
    }

    public static JsonObject Resource(HttpContext context, string projectId, StackRecord stack, ResourceRecord row, IEnumerable<string> requiredBy)
    {
        var stackUrl = HeatRequest.StackUrl(context, projectId, stack);
        return new JsonObject
        {
            ["resource_name"] = row.Name,
            ["logical_resource_id"] = row.Name,
            ["physical_resource_id"] = row.PhysicalId ?? "",
            ["resource_status"] = row.FullStatus,
            ["resource_status_reason"] = row.StatusReason,
            ["resource_type"] = row.Type,
            ["creation_time"] = Time(row.CreatedAt),
            ["updated_time"] = Time(row.UpdatedAt ?? row.CreatedAt),
            ["required_by"] = new JsonArray(requiredBy.Select(r => (JsonNode?)r).ToArray()),
            ["links"] = new JsonArray(
                new JsonObject { ["href"] = $"{stackUrl}/resources/{Uri.EscapeDataString(row.Name)}", ["rel"] = "self" },
                new JsonObject { ["href"] = stackUrl, ["rel"] = "stack" }),
        };
    }

    public static JsonObject Event(HttpContext context, string projectId, StackRecord stack, EventRecord e)
    {
        var stackUrl = HeatRequest.StackUrl(context, projectId, stack);
        return new JsonObject
        {
            ["id"] = e.Id,
            ["resource_name"] = e.ResourceName,
            ["logical_resource_id"] = e.ResourceName,
            ["physical_resource_id"] = e.PhysicalId,
            ["resource_status"] = $"{e.Action}_{e.Status}",
            ["resource_status_reason"] = e.Reason,
            ["resource_type"] = e.ResourceType,
            ["event_time"] = Time(e.EventTime),
            ["links"] = new JsonArray(
                new JsonObject { ["href"] = $"{stackUrl}/resources/{Uri.EscapeDataString(e.ResourceName)}/events/{e.Id}", ["rel"] = "self" },
                new JsonObject { ["href"] = $"{stackUrl}/resources/{Uri.EscapeDataString(e.ResourceName)}", ["rel"] = "resource" },
                new JsonObject { ["href"] = stackUrl, ["rel"] = "stack" }),
        };
    }
}
