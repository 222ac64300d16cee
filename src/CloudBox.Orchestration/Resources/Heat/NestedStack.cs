using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Heat;

/// <summary>
/// A child stack made through this cloud's own Heat API in the owner's name (as Heat's engine
/// makes nested stacks through its own RPC): create, wait, update, delete, and outputs as attributes.
/// </summary>
internal static class NestedStack
{
    private static string Stacks(ResourceContext context) => $"orchestration/v1/{context.ProjectId}/stacks";

    public static async Task<string> CreateAsync(ResourceContext context, JsonNode template, JsonObject parameters, JsonObject? files, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["stack_name"] = context.Stamp,
            ["template"] = template.DeepClone(),
            ["parameters"] = parameters.DeepClone(),
            ["files"] = files?.DeepClone() ?? new JsonObject(),
            ["disable_rollback"] = true,
            ["parent_stack_id"] = context.StackId,
        };
        var created = await context.PostAsync(Stacks(context), body, cancellationToken);
        var id = created?["stack"]?["id"]?.ToString() ?? throw new ResourceFailure("The nested stack was created without an id.");
        return $"{context.Stamp}/{id}";
    }

    public static async Task WaitAsync(ResourceContext context, string physicalId, string action, CancellationToken cancellationToken)
    {
        while (true)
        {
            var stack = (await context.GetAsync($"{Stacks(context)}/{physicalId}", cancellationToken))?["stack"];
            if (stack is null)
            {
                if (action == "DELETE")
                    return;
                throw new ResourceFailure($"The nested stack {physicalId} disappeared.");
            }
            var status = stack["stack_status"]?.ToString();
            if (status == $"{action}_COMPLETE")
                return;
            if (status?.EndsWith("_FAILED", StringComparison.Ordinal) == true)
                throw new ResourceFailure($"Nested stack {action} failed: {stack["stack_status_reason"]}");
            await context.PollDelayAsync(cancellationToken);
        }
    }

    public static async Task UpdateAsync(ResourceContext context, string physicalId, JsonNode template, JsonObject parameters, JsonObject? files, CancellationToken cancellationToken)
    {
        await context.PutAsync($"{Stacks(context)}/{physicalId}", new JsonObject
        {
            ["template"] = template.DeepClone(),
            ["parameters"] = parameters.DeepClone(),
            ["files"] = files?.DeepClone() ?? new JsonObject(),
        }, cancellationToken);
        await WaitAsync(context, physicalId, "UPDATE", cancellationToken);
    }

    public static async Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken)
    {
        await context.DeleteAsync($"{Stacks(context)}/{physicalId}", cancellationToken);
        await WaitAsync(context, physicalId, "DELETE", cancellationToken);
    }

    public static async Task<JsonNode?> OutputAsync(ResourceContext context, string physicalId, string key, CancellationToken cancellationToken)
    {
        var output = await context.GetAsync($"{Stacks(context)}/{physicalId}/outputs/{Uri.EscapeDataString(key)}", cancellationToken);
        return output?["output"]?["output_value"]?.DeepClone();
    }

    public static async Task<JsonObject> OutputsAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken)
    {
        var stack = (await context.GetAsync($"{Stacks(context)}/{physicalId}", cancellationToken))?["stack"];
        var outputs = new JsonObject();
        foreach (var output in stack?["outputs"] as JsonArray ?? [])
            outputs[output!["output_key"]!.ToString()] = output["output_value"]?.DeepClone();
        return outputs;
    }

    /// <summary>
    /// Suspends, resumes or checks the child stack (<c>stacks/…/actions</c>) and waits for the result;
    /// a child that is not suspended has nothing to resume.
    /// </summary>
    public static async Task ActionAsync(ResourceContext context, string physicalId, string action, CancellationToken cancellationToken)
    {
        if (action == "resume" && (await context.GetAsync($"{Stacks(context)}/{physicalId}", cancellationToken))?["stack"]?["stack_status"]?.ToString() is not ("SUSPEND_COMPLETE" or "SUSPEND_FAILED" or "RESUME_FAILED"))
            return;
        await context.PostAsync($"{Stacks(context)}/{physicalId}/actions", new JsonObject { [action] = null }, cancellationToken);
        await WaitAsync(context, physicalId, action.ToUpperInvariant(), cancellationToken);
    }

    public static async Task<string?> FindAsync(ResourceContext context, CancellationToken cancellationToken)
    {
        var list = await context.GetAsync($"{Stacks(context)}?name={Uri.EscapeDataString(context.Stamp)}&show_nested=true", cancellationToken);
        return (list?["stacks"] as JsonArray)?.FirstOrDefault()?["id"]?.ToString() is { } id ? $"{context.Stamp}/{id}" : null;
    }
}
