using System.Text.Json.Nodes;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Local;
using CloudBox.Core.Ids;
using CloudBox.Orchestration.Data;
using CloudBox.Orchestration.Engine;
using CloudBox.Orchestration.Templates;

namespace CloudBox.Orchestration.Api;

/// <summary>Stack operations as the API starts them: validated, recorded IN_PROGRESS, handed to the worker.</summary>
internal sealed class StackService(StackStore store, StackValidator validator, StackEngine engine, StackWorkSignal signal, LocalApi api, IDelegatedTokens tokens)
{
    public async Task<StackRecord> CreateAsync(CallerContext caller, string projectId, JsonObject body, CancellationToken cancellationToken)
    {
        var adopt = AdoptData(body);
        if (adopt is not null)
        {
            body = (JsonObject)body.DeepClone();
            body["template"] ??= adopt["template"]?.DeepClone() ?? throw new HeatFault(400, "adopt_stack_data holds no template.", "HTTPBadRequest");
            if (body["environment"] is not JsonObject { Count: > 0 } && adopt["environment"] is JsonObject environment)
                body["environment"] = environment.DeepClone();
        }
        var name = body["stack_name"]?.ToString();
        if (string.IsNullOrEmpty(name) || !char.IsAsciiLetter(name[0]) || name.Length > 255)
            throw new HeatFault(400, $"Invalid stack name {name}: must start with a letter and hold at most 255 characters.", "StackValidationFailed");
        var id = Identifiers.NewUuid();
        using var client = HeatRequest.CallerClient(api, caller);
        var definition = await validator.ValidateAsync(body, name, id, projectId, caller.HasRole("admin"), client, cancellationToken);
        var now = store.Now();
        var stack = new StackRecord
        {
            Id = id,
            Name = name,
            ProjectId = projectId,
            UserId = caller.UserId,
            Template = definition.Template.Document.Root.ToJsonString(),
            Environment = definition.Environment.ToJson().ToJsonString(),
            Files = definition.Files.ToJsonString(),
            Parameters = definition.GivenParameters.ToJsonString(),
            Action = "CREATE",
            Status = "IN_PROGRESS",
            StatusReason = "Stack CREATE started",
            DisableRollback = body["disable_rollback"] is JsonValue d && d.TryGetValue<bool>(out var disable) ? disable : true,
            TimeoutMins = body["timeout_mins"] is JsonValue t && int.TryParse(t.ToString(), out var minutes) ? minutes : null,
            Tags = Tags(body),
            OperationStartedAt = now,
            CreatedAt = now,
        };
        if (body["parent_stack_id"]?.ToString() is { } parentId && await store.GetStackAsync(parentId, cancellationToken) is { } parent && parent.ProjectId == projectId)
            stack.ParentId = parent.Id;
        if (adopt is null)
        {
            await store.InsertStackAsync(stack, cancellationToken);
            signal.Notify();
            return stack;
        }
        // Adopt: the stack is recorded first (not yet in progress, so the worker leaves it), then a row
        // for each adopted resource the template has, then the operation starts: the engine takes
        // those over as they are (ADOPT_COMPLETE) and creates the rest.
        (stack.Action, stack.Status, stack.StatusReason) = ("ADOPT", "INIT", "Stack ADOPT requested");
        await store.InsertStackAsync(stack, cancellationToken);
        var names = definition.Template.Resources.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (resourceName, node) in (adopt["resources"] as JsonObject ?? []).Where(r => names.Contains(r.Key)).Take(StackTemplate.MaxResources))
        {
            if (node is not JsonObject resource || resource["resource_id"]?.ToString() is not { Length: > 0 } physicalId)
                continue;
            var rowId = Identifiers.NewUuid();
            await store.InsertResourceAsync(new ResourceRecord
            {
                Id = rowId,
                StackId = stack.Id,
                Name = resourceName,
                Type = resource["type"]?.ToString() ?? "",
                PhysicalId = physicalId,
                Action = "ADOPT",
                Status = "IN_PROGRESS",
                StatusReason = "state changed",
                Data = (resource["resource_data"] as JsonObject ?? []).ToJsonString(),
                Stamp = $"{(name.Length > 20 ? name[..20] : name)}-{(resourceName.Length > 20 ? resourceName[..20] : resourceName)}-{rowId[..12]}",
            }, stack.Name, cancellationToken);
        }
        if (!await store.BeginAsync(stack, "ADOPT", "Stack ADOPT started", force: false, cancellationToken))
            throw new HeatFault(409, $"Stack {stack.Name} is busy.", "ActionInProgress");
        signal.Notify();
        return stack;
    }

    /// <summary><c>adopt_stack_data</c> (what <c>stack abandon</c> gave, as a JSON string or object), or null.</summary>
    private static JsonObject? AdoptData(JsonObject body)
    {
        switch (body["adopt_stack_data"])
        {
            case null:
                return null;
            case JsonObject data:
                return data;
            case JsonValue text:
                try
                {
                    return JsonNode.Parse(text.ToString()) as JsonObject ?? throw new HeatFault(400, "adopt_stack_data must be a JSON object.", "HTTPBadRequest");
                }
                catch (System.Text.Json.JsonException error)
                {
                    throw new HeatFault(400, $"adopt_stack_data is not valid JSON: {error.Message}", "HTTPBadRequest");
                }
            default:
                throw new HeatFault(400, "adopt_stack_data must be a JSON object.", "HTTPBadRequest");
        }
    }

    /// <summary>
    /// <c>stack abandon</c>: the stack's definition and its resources (ids, types, states, private data),
    /// in the shape <c>stack adopt</c> takes back; the stack is removed and its resources are left as they are.
    /// </summary>
    public async Task<JsonObject> AbandonAsync(StackRecord stack, CancellationToken cancellationToken)
    {
        if (stack.Status == "IN_PROGRESS")
            throw new HeatFault(409, $"Stack {stack.Name} ({stack.Id}) is busy: {stack.FullStatus}.", "ActionInProgress");
        var resources = new JsonObject();
        foreach (var row in (await store.ResourcesAsync(stack.Id, cancellationToken)).Where(r => !r.Replaced))
        {
            resources[row.Name] = new JsonObject
            {
                ["name"] = row.Name,
                ["resource_id"] = row.PhysicalId,
                ["type"] = row.Type,
                ["action"] = row.Action,
                ["status"] = row.Status,
                ["resource_data"] = JsonNode.Parse(row.Data),
                ["metadata"] = new JsonObject(),
            };
        }
        var data = new JsonObject
        {
            ["name"] = stack.Name,
            ["id"] = stack.Id,
            ["action"] = stack.Action,
            ["status"] = stack.Status,
            ["template"] = JsonNode.Parse(stack.Template),
            ["environment"] = JsonNode.Parse(stack.Environment),
            ["files"] = JsonNode.Parse(stack.Files),
            ["project_id"] = stack.ProjectId,
            ["stack_user_project_id"] = stack.ProjectId,
            ["resources"] = resources,
        };
        if (!await store.AbandonAsync(stack, cancellationToken))
            throw new HeatFault(409, $"Stack {stack.Name} is busy.", "ActionInProgress");
        return data;
    }

    public async Task UpdateAsync(CallerContext caller, StackRecord stack, JsonObject body, bool patch, CancellationToken cancellationToken)
    {
        if (stack.Status == "IN_PROGRESS")
            throw new HeatFault(409, $"Stack {stack.Name} ({stack.Id}) is busy: {stack.FullStatus}.", "ActionInProgress");
        if (stack.Action == "SUSPEND")
            throw new HeatFault(400, $"Updating a stack when it is suspended ({stack.FullStatus}) is not supported: resume it first.", "NotSupported");
        var merged = Merge(stack, body, patch);
        using var client = HeatRequest.CallerClient(api, caller);
        var definition = await validator.ValidateAsync(merged, stack.Name, stack.Id, stack.ProjectId, caller.HasRole("admin"), client, cancellationToken);
        var previous = StackEngine.Snapshot(stack).ToJsonString();
        stack.Template = definition.Template.Document.Root.ToJsonString();
        stack.Environment = definition.Environment.ToJson().ToJsonString();
        stack.Files = definition.Files.ToJsonString();
        stack.Parameters = definition.GivenParameters.ToJsonString();
        stack.Previous = previous;
        if (body["disable_rollback"] is JsonValue d && d.TryGetValue<bool>(out var disable))
            stack.DisableRollback = disable;
        if (body["timeout_mins"] is JsonValue t && int.TryParse(t.ToString(), out var minutes))
            stack.TimeoutMins = minutes;
        if (body.ContainsKey("tags"))
            stack.Tags = Tags(body);
        if (!await store.BeginAsync(stack, "UPDATE", "Stack UPDATE started", force: false, cancellationToken))
            throw new HeatFault(409, $"Stack {stack.Name} is busy.", "ActionInProgress");
        signal.Notify();
    }

    /// <summary>The definition an update would converge to: the body, or (PATCH) the stack's own with the body's changes.</summary>
    public static JsonObject Merge(StackRecord stack, JsonObject body, bool patch)
    {
        var merged = (JsonObject)body.DeepClone();
        if (!patch)
        {
            merged["files"] ??= new JsonObject();
            return merged;
        }
        if (merged["template"] is null && merged["template_url"] is null)
            merged["template"] = JsonNode.Parse(stack.Template);
        var parameters = JsonNode.Parse(stack.Parameters) as JsonObject ?? [];
        foreach (var (k, v) in body["parameters"] as JsonObject ?? [])
            parameters[k] = v?.DeepClone();
        foreach (var name in (body["clear_parameters"] as JsonArray ?? []).Select(n => n?.ToString() ?? ""))
            parameters.Remove(name);
        merged["parameters"] = parameters;
        merged["environment"] ??= JsonNode.Parse(stack.Environment);
        var files = JsonNode.Parse(stack.Files) as JsonObject ?? [];
        foreach (var (k, v) in body["files"] as JsonObject ?? [])
            files[k] = v?.DeepClone();
        merged["files"] = files;
        return merged;
    }

    public async Task DeleteAsync(StackRecord stack, CancellationToken cancellationToken)
    {
        // A delete takes over from anything in progress (the engine's rows say what exists): the run
        // in progress stops where it is, and the worker runs the delete next.
        await store.BeginAsync(stack, "DELETE", "Stack DELETE started", force: true, cancellationToken);
        engine.Cancel(stack.Id, StackEngine.CancelKind.Superseded);
        signal.Notify();
    }

    private static readonly string[] Actions = ["suspend", "resume", "check", "cancel_update", "cancel_without_rollback"];

    /// <summary>
    /// <c>stacks/…/actions</c>: suspend, resume and check start an operation the worker runs; cancel_update
    /// stops an update in progress and rolls it back, cancel_without_rollback stops a create or an update
    /// where it is (FAILED).
    /// </summary>
    public async Task ActAsync(StackRecord stack, JsonObject body, CancellationToken cancellationToken)
    {
        if (body.Count != 1 || !Actions.Contains(body.First().Key))
            throw new HeatFault(400, $"Exactly one action is expected, one of {string.Join(", ", Actions)}; got {(body.Count == 0 ? "none" : string.Join(", ", body.Select(p => p.Key).Take(10)))}.", "HTTPBadRequest");
        var action = body.First().Key;
        if (action is "cancel_update" or "cancel_without_rollback")
        {
            var cancelable = action == "cancel_update" ? stack.FullStatus == "UPDATE_IN_PROGRESS" : stack.FullStatus is "UPDATE_IN_PROGRESS" or "CREATE_IN_PROGRESS";
            if (!cancelable)
                throw new HeatFault(400, $"Cancelling {(action == "cancel_update" ? "update" : "the operation")} when stack is {stack.FullStatus} is not supported.", "NotSupported");
            var kind = action == "cancel_update" ? StackEngine.CancelKind.Rollback : StackEngine.CancelKind.NoRollback;
            // The worker picks a started operation up within moments; wait for it rather than refuse.
            for (var i = 0; !engine.Cancel(stack.Id, kind); i++)
            {
                if (i >= 50)
                    throw new HeatFault(409, $"Stack {stack.Name} is {stack.FullStatus} but its operation is not running yet; try again.", "ActionInProgress");
                await Task.Delay(100, cancellationToken);
            }
            return;
        }
        if (stack.Status == "IN_PROGRESS")
            throw new HeatFault(409, $"Stack {stack.Name} ({stack.Id}) is busy: {stack.FullStatus}.", "ActionInProgress");
        if (stack.Action == "DELETE")
            throw new HeatFault(400, $"Stack {stack.Name} is {stack.FullStatus}.", "NotSupported");
        if (action == "resume" && stack.FullStatus is not ("SUSPEND_COMPLETE" or "SUSPEND_FAILED" or "RESUME_FAILED"))
            throw new HeatFault(400, $"Stack {stack.Name} is {stack.FullStatus}, not suspended: there is nothing to resume.", "NotSupported");
        var upper = action.ToUpperInvariant();
        if (!await store.BeginAsync(stack, upper, $"Stack {upper} started", force: false, cancellationToken))
            throw new HeatFault(409, $"Stack {stack.Name} is busy.", "ActionInProgress");
        signal.Notify();
    }

    /// <summary>
    /// <c>resource mark unhealthy</c>: a resource marked unhealthy is CHECK_FAILED, and the next update
    /// replaces it; <c>--reset</c> makes a CHECK_FAILED resource CHECK_COMPLETE again.
    /// </summary>
    public async Task MarkUnhealthyAsync(StackRecord stack, string resource, JsonObject body, CancellationToken cancellationToken)
    {
        if (body["mark_unhealthy"] is not JsonValue flag || !flag.TryGetValue<bool>(out var unhealthy))
            throw new HeatFault(400, "mark_unhealthy must be given as a boolean.", "HTTPBadRequest");
        var reason = body["resource_status_reason"]?.ToString() is { Length: > 0 } given ? given : "state changed by resource_mark_unhealthy api";
        if (reason.Length > 255)
            reason = reason[..255];
        var row = (await store.ResourcesAsync(stack.Id, cancellationToken)).LastOrDefault(r => r.Name == resource && !r.Replaced)
            ?? throw new HeatFault(404, $"The Resource ({resource}) could not be found.", "ResourceNotFound");
        if (row.Status == "IN_PROGRESS" || stack.Status == "IN_PROGRESS")
            throw new HeatFault(409, $"Resource {resource} of stack {stack.Name} is busy ({(row.Status == "IN_PROGRESS" ? row.FullStatus : stack.FullStatus)}).", "ActionInProgress");
        if (unhealthy && row.Status != "FAILED")
            (row.Action, row.Status) = ("CHECK", "FAILED");
        else if (!unhealthy && row.FullStatus == "CHECK_FAILED")
            row.Status = "COMPLETE";
        else
            return;
        row.StatusReason = reason;
        await store.SaveResourceAsync(row, withEvent: true, cancellationToken);
    }

    /// <summary>The outputs with their values resolved from the live resources (errors become output_error).</summary>
    public async Task<JsonArray> OutputsAsync(StackRecord stack, StackDefinition definition, string? only, CancellationToken cancellationToken)
    {
        var result = new JsonArray();
        if (definition.Template.Outputs.Count == 0)
            return result;
        var rows = await store.ResourcesAsync(stack.Id, cancellationToken);
        var live = rows.Where(r => !r.Replaced).GroupBy(r => r.Name).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        var scope = new StackScope(definition);
        foreach (var row in live.Values.Where(r => r.PhysicalId is not null))
            scope.ReferenceIds[row.Name] = row.PhysicalId!;
        using var client = api.CreateClient(await tokens.IssueAsync(stack.UserId, stack.ProjectId, cancellationToken));
        var functions = new TemplateFunctions(definition.Template.Version, scope, definition.Template.Document);
        foreach (var (key, output) in definition.Template.Outputs)
        {
            if (only is not null && key != only)
                continue;
            var item = new JsonObject { ["output_key"] = key, ["description"] = output?["description"]?.ToString() ?? "No description given" };
            try
            {
                if (output?["condition"] is { } condition && !functions.ResolveCondition(condition, $"outputs.{key}.condition"))
                {
                    item["output_value"] = null;
                }
                else
                {
                    await engine.FetchAttributesAsync(stack, output?["value"], live, client, scope, cancellationToken);
                    item["output_value"] = functions.Resolve(output?["value"], $"outputs.{key}.value");
                }
            }
            catch (TemplateException error)
            {
                item["output_value"] = null;
                item["output_error"] = error.Message;
            }
            result.Add(item);
        }
        return result;
    }

    private static string Tags(JsonObject body) => body["tags"] switch
    {
        JsonArray list => list.ToJsonString(),
        JsonValue v when v.ToString().Length > 0 => new JsonArray(v.ToString().Split(',').Select(s => (JsonNode?)s.Trim()).ToArray()).ToJsonString(),
        _ => "[]",
    };
}
