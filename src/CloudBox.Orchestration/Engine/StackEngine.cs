using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Local;
using CloudBox.Core.Ids;
using CloudBox.Orchestration.Data;
using CloudBox.Orchestration.Resources;
using CloudBox.Orchestration.Templates;
using Microsoft.Extensions.Logging;

namespace CloudBox.Orchestration.Engine;

/// <summary>
/// Runs one stack operation to its end. Create, update and rollback converge the stack's resources
/// to a template: each resource, once those it needs are done, is created, left alone (unchanged),
/// updated in place or replaced (new before old); then resources no longer in the template, and the
/// old halves of replacements, are deleted in reverse dependency order. Delete removes every
/// resource in reverse order. Independent resources act in parallel (bounded). Every step is a row
/// written before and after it acts, so a run cut short by a crash is simply run again.
/// </summary>
internal sealed partial class StackEngine(StackStore store, ResourceRegistry registry, LocalApi api, IDelegatedTokens tokens, ILogger<StackEngine> logger)
{
    /// <summary>Resources acting at once in one stack: a ResourceGroup of 10 servers builds together; the waits are polls, cheap.</summary>
    public const int MaxParallel = 16;

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The runs in progress in this process, by stack id, so a request can cancel one.</summary>
    private readonly ConcurrentDictionary<string, RunControl> _runs = new(StringComparer.Ordinal);

    /// <summary>How a run was cancelled: by cancel_update (roll back), cancel_without_rollback, or a delete taking over.</summary>
    public enum CancelKind { Rollback, NoRollback, Superseded }

    private sealed class RunControl : IDisposable
    {
        public CancellationTokenSource Source { get; } = new();
        public CancelKind? Kind { get; set; }
        public void Dispose() => Source.Dispose();
    }

    /// <summary>Cancels the run of <paramref name="stackId"/> in progress here; false when none runs (yet).</summary>
    public bool Cancel(string stackId, CancelKind kind)
    {
        if (!_runs.TryGetValue(stackId, out var run))
            return false;
        run.Kind ??= kind;
        try
        {
            run.Source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        return true;
    }

    public async Task RunAsync(string stackId, CancellationToken stopping)
    {
        var stack = await store.GetStackAsync(stackId, stopping);
        if (stack is null || stack.Status != "IN_PROGRESS")
            return;
        using var control = new RunControl();
        _runs[stackId] = control;
        try
        {
            await RunAsync(stack, control, stopping);
        }
        finally
        {
            _runs.TryRemove(new KeyValuePair<string, RunControl>(stackId, control));
        }
    }

    private async Task RunAsync(StackRecord stack, RunControl control, CancellationToken stopping)
    {
        using var client = api.CreateClient(await tokens.IssueAsync(stack.UserId, stack.ProjectId, stopping));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping, control.Source.Token);
        if (stack.TimeoutMins is > 0 && stack.Action is "CREATE" or "UPDATE")
        {
            var ends = Timestamps.FromStorage(stack.OperationStartedAt).AddMinutes(stack.TimeoutMins.Value) - DateTimeOffset.UtcNow;
            deadline.CancelAfter(ends > TimeSpan.Zero ? ends : TimeSpan.Zero);
        }
        try
        {
            if (stack.Action is "DELETE" || stack.Action is "ROLLBACK" && stack.Previous is null)
                await DeleteAllAsync(stack, client, deadline.Token);
            else if (stack.Action is "SUSPEND" or "RESUME")
                await SuspendOrResumeAsync(stack, client, deadline.Token);
            else if (stack.Action is "CHECK")
                await CheckAsync(stack, client, deadline.Token);
            else if (stack.Action is "SNAPSHOT")
                await Task.CompletedTask; // Recorded by the request; only a crash between its steps leaves it in progress.
            else
                await ConvergeAsync(stack, client, deadline.Token);
            await store.FinishAsync(stack, "COMPLETE", $"Stack {stack.Action} completed successfully", CancellationToken.None);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested || control.Kind == CancelKind.Superseded)
        {
            // The host stops: the stack stays IN_PROGRESS and the next start resumes it. Or a delete
            // took the stack over: the worker runs that next.
        }
        catch (Exception error)
        {
            var cancelled = control.Kind is not null && error is OperationCanceledException;
            var reason = cancelled ? $"Stack {stack.Action} cancelled" : error is OperationCanceledException ? $"{stack.Action} timed out" : error.Message;
            if (error is not (ResourceFailure or TemplateException or OperationCanceledException or Core.Api.ApiFault))
                LogUnexpected(logger, stack.Id, error);
            bool? rollback = !cancelled ? null : control.Kind == CancelKind.Rollback;
            control.Kind = null;
            await FailAsync(stack, reason, rollback, control, stopping);
        }
    }

    private async Task FailAsync(StackRecord stack, string reason, bool? rollback, RunControl control, CancellationToken stopping)
    {
        await store.FinishAsync(stack, "FAILED", reason, CancellationToken.None);
        if (stack.Action is not ("CREATE" or "UPDATE") || (rollback ?? !stack.DisableRollback) is false)
            return;
        // Rollback: a failed create removes what it made (no previous definition); a failed update
        // converges back to the definition it replaced (kept in Previous, which now holds the failed one).
        if (stack.Action == "UPDATE" && stack.Previous is { } previous && JsonNode.Parse(previous) is JsonObject before)
        {
            var failed = Snapshot(stack);
            stack.Template = before["template"]!.ToJsonString();
            stack.Environment = before["environment"]!.ToJsonString();
            stack.Files = before["files"]!.ToJsonString();
            stack.Parameters = before["parameters"]!.ToJsonString();
            stack.Previous = failed.ToJsonString();
        }
        else
        {
            stack.Previous = null;
        }
        stack.Action = "ROLLBACK";
        if (!await store.BeginAsync(stack, "ROLLBACK", "Stack rollback started", force: true, CancellationToken.None)
            || await store.GetStackAsync(stack.Id, CancellationToken.None) is not { } rollingBack)
            return;
        if (!control.Source.IsCancellationRequested)
        {
            await RunAsync(rollingBack, control, stopping);
            return;
        }
        // The cancelled run's token stays cancelled: the rollback runs under a fresh one.
        using var fresh = new RunControl();
        _runs[stack.Id] = fresh;
        try
        {
            await RunAsync(rollingBack, fresh, stopping);
        }
        finally
        {
            _runs.TryRemove(new KeyValuePair<string, RunControl>(stack.Id, fresh));
        }
    }

    /// <summary>A stack's definition as one JSON object (what an update keeps to roll back to).</summary>
    public static JsonObject Snapshot(StackRecord stack) => new()
    {
        ["template"] = JsonNode.Parse(stack.Template),
        ["environment"] = JsonNode.Parse(stack.Environment),
        ["files"] = JsonNode.Parse(stack.Files),
        ["parameters"] = JsonNode.Parse(stack.Parameters),
    };

    public static StackDefinition Definition(StackRecord stack) =>
        StackDefinition.Build(JsonNode.Parse(stack.Template), JsonNode.Parse(stack.Environment), JsonNode.Parse(stack.Files) as JsonObject,
            JsonNode.Parse(stack.Parameters) as JsonObject, stack.Name, stack.Id, stack.ProjectId);

    private async Task ConvergeAsync(StackRecord stack, HttpClient client, CancellationToken cancellationToken)
    {
        var definition = Definition(stack);
        var scope = new StackScope(definition);
        var rows = (await store.ResourcesAsync(stack.Id, cancellationToken)).ToList();
        var live = new ConcurrentDictionary<string, ResourceRecord>(StringComparer.Ordinal);
        foreach (var row in rows.Where(r => !r.Replaced))
            live[row.Name] = row;
        foreach (var row in live.Values.Where(r => r.PhysicalId is not null))
            scope.ReferenceIds[row.Name] = registry.Find(row.Type)?.ReferenceId(row.PhysicalId!, Data(row)) ?? row.PhysicalId!;

        var enabled = definition.EnabledResources(scope);
        var names = enabled.Select(e => e.Definition.Name).ToHashSet(StringComparer.Ordinal);
        var tasks = new Dictionary<string, Lazy<Task>>(StringComparer.Ordinal);
        using var gate = new SemaphoreSlim(MaxParallel);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        foreach (var (resource, type) in enabled)
        {
            var requires = resource.Requires().Where(names.Contains).ToList();
            tasks[resource.Name] = new Lazy<Task>(async () =>
            {
                await Task.WhenAll(requires.Select(r => tasks[r].Value));
                await gate.WaitAsync(failed.Token);
                try
                {
                    failed.Token.ThrowIfCancellationRequested();
                    await ConvergeResourceAsync(stack, definition, scope, resource, type, requires, live, client, failed.Token);
                }
                catch
                {
                    await failed.CancelAsync();
                    throw;
                }
                finally
                {
                    gate.Release();
                }
            });
        }
        CheckAcyclic(enabled.Select(e => (e.Definition.Name, (IEnumerable<string>)e.Definition.Requires().Where(names.Contains))).ToList());
        var all = tasks.Values.Select(t => Task.Run(() => t.Value, CancellationToken.None)).ToList();
        try
        {
            await Task.WhenAll(all);
        }
        catch
        {
            var first = all.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).FirstOrDefault(e => e is not OperationCanceledException);
            if (first is not null)
                throw first;
            throw;
        }

        // Remove what the template no longer has, and the old halves of replacements, in reverse order.
        var leftover = (await store.ResourcesAsync(stack.Id, cancellationToken)).Where(r => r.Replaced || !names.Contains(r.Name)).ToList();
        await DeleteRowsAsync(stack, leftover, client, cancellationToken);
    }

    private async Task ConvergeResourceAsync(StackRecord stack, StackDefinition definition, StackScope scope, ResourceDefinition resource, string typeName,
        List<string> requires, ConcurrentDictionary<string, ResourceRecord> live, HttpClient client, CancellationToken cancellationToken)
    {
        var type = registry.Find(typeName) ?? throw new ResourceFailure($"The Resource Type ({typeName}) could not be found.");
        var path = $"resources.{resource.Name}.properties";
        await FetchAttributesAsync(stack, resource.Properties, live, client, scope, cancellationToken);
        var functions = new TemplateFunctions(definition.Template.Version, scope, definition.Template.Document);
        var resolved = functions.Resolve(resource.Properties, path) as JsonObject ?? [];
        var properties = type is Resources.Heat.TemplateResourceType
            ? Resources.Heat.TemplateResourceType.Wrap(definition.Files[typeName]?.ToString() ?? throw new ResourceFailure($"The template {typeName} is not in the files map."), resolved)
            : PropertyValidation.Validate(type, resolved, path, definition.Template.Document);
        live.TryGetValue(resource.Name, out var existing);

        if (existing is { Action: "ADOPT", Status: "IN_PROGRESS", PhysicalId: not null } && existing.Type == typeName)
        {
            // Adopted: the resource exists already; it is taken over with the properties the template gives it.
            existing.Properties = properties.ToJsonString();
            existing.Requires = Json(requires);
            existing.Status = "COMPLETE";
            await store.SaveResourceAsync(existing, withEvent: true, cancellationToken);
            scope.ReferenceIds[resource.Name] = type.ReferenceId(existing.PhysicalId, Data(existing));
            return;
        }

        if (existing is not null && existing.PhysicalId is null && existing.Status == "IN_PROGRESS")
        {
            // A create cut short by a crash: find what the call made by its stamp, or start over.
            var context = Context(stack, existing, client);
            var found = await type.FindAsync(context, cancellationToken);
            if (found is null)
            {
                await store.DeleteResourceRowAsync(existing.Id, cancellationToken);
                existing = null;
            }
            else
            {
                existing.PhysicalId = found;
                await store.SaveResourceAsync(existing, withEvent: false, cancellationToken);
            }
        }

        if (existing is not null && existing.Type == typeName && existing.Action is "CREATE" && existing.Status == "IN_PROGRESS" && existing.PhysicalId is not null)
        {
            await FinishCreateAsync(stack, existing, type, client, cancellationToken);
            scope.ReferenceIds[resource.Name] = type.ReferenceId(existing.PhysicalId!, Data(existing));
            return;
        }

        if (existing is null)
        {
            var row = await CreateAsync(stack, resource, typeName, type, properties, requires, client, cancellationToken);
            live[resource.Name] = row;
            scope.ReferenceIds[resource.Name] = type.ReferenceId(row.PhysicalId!, Data(row));
            return;
        }

        var before = JsonNode.Parse(existing.Properties) as JsonObject ?? [];
        var changed = Changed(before, properties);
        var healthy = existing.Status == "COMPLETE" && existing.Action is not ("DELETE" or "INIT");
        if (healthy && existing.Type == typeName && changed.Count == 0)
        {
            if (!Same(existing.Requires, requires))
            {
                existing.Requires = Json(requires);
                await store.SaveResourceAsync(existing, withEvent: false, cancellationToken);
            }
            return;
        }
        var replace = !healthy || existing.Type != typeName || !type.CanUpdate(changed) || type is Resources.Heat.TestResourceType && Resources.Heat.TestResourceType.WantsReplace(properties);
        if (!replace)
        {
            existing.Action = "UPDATE";
            existing.Status = "IN_PROGRESS";
            existing.StatusReason = "state changed";
            await store.SaveResourceAsync(existing, withEvent: true, cancellationToken);
            var context = Context(stack, existing, client);
            try
            {
                await type.UpdateAsync(context, existing.PhysicalId!, before, properties, changed, cancellationToken);
            }
            catch (Exception error) when (error is ResourceFailure or HttpRequestException)
            {
                await MarkFailedAsync(existing, context, error.Message);
                throw new ResourceFailure($"Resource UPDATE failed: {error.Message}");
            }
            existing.Data = context.Data.ToJsonString();
            existing.PhysicalId = context.MovedTo ?? existing.PhysicalId;
            existing.Properties = properties.ToJsonString();
            existing.Requires = Json(requires);
            existing.Status = "COMPLETE";
            existing.StatusReason = "state changed";
            await store.SaveResourceAsync(existing, withEvent: true, cancellationToken);
            scope.ReferenceIds[resource.Name] = type.ReferenceId(existing.PhysicalId!, Data(existing));
            return;
        }

        // UpdateReplace: the old one is kept (marked) until the stack has converged, then deleted.
        existing.Replaced = true;
        existing.StatusReason = "UpdateReplace";
        await store.SaveResourceAsync(existing, withEvent: false, cancellationToken);
        if (healthy && existing.Type == typeName && existing.PhysicalId is not null)
        {
            var context = Context(stack, existing, client);
            try
            {
                await type.PrepareForReplaceAsync(context, existing.PhysicalId, before, cancellationToken);
            }
            catch (Exception error) when (error is ResourceFailure or HttpRequestException)
            {
                throw new ResourceFailure($"Resource UPDATE failed: {error.Message}");
            }
        }
        var replacement = await CreateAsync(stack, resource, typeName, type, properties, requires, client, cancellationToken);
        live[resource.Name] = replacement;
        scope.ReferenceIds[resource.Name] = type.ReferenceId(replacement.PhysicalId!, Data(replacement));
    }

    private async Task<ResourceRecord> CreateAsync(StackRecord stack, ResourceDefinition resource, string typeName, ResourceType type, JsonObject properties,
        List<string> requires, HttpClient client, CancellationToken cancellationToken)
    {
        var id = Identifiers.NewUuid();
        var row = new ResourceRecord
        {
            Id = id,
            StackId = stack.Id,
            Name = resource.Name,
            Type = typeName,
            Action = "CREATE",
            Status = "IN_PROGRESS",
            StatusReason = "state changed",
            Properties = properties.ToJsonString(),
            Requires = Json(requires),
            // The stamp is recorded before the call, so a crash during it can find what it made.
            Stamp = $"{Truncate(stack.Name, 20)}-{Truncate(resource.Name, 20)}-{id[..12]}",
        };
        await store.InsertResourceAsync(row, stack.Name, cancellationToken);
        var context = Context(stack, row, client);
        try
        {
            row.PhysicalId = await type.CreateAsync(context, properties, cancellationToken);
        }
        catch (Exception error) when (error is ResourceFailure or HttpRequestException or FormatException or InvalidOperationException)
        {
            await MarkFailedAsync(row, context, error.Message);
            throw new ResourceFailure($"Resource CREATE failed: {error.Message}");
        }
        row.Data = context.Data.ToJsonString();
        await store.SaveResourceAsync(row, withEvent: false, cancellationToken);
        await FinishCreateAsync(stack, row, type, client, cancellationToken);
        return row;
    }

    private async Task FinishCreateAsync(StackRecord stack, ResourceRecord row, ResourceType type, HttpClient client, CancellationToken cancellationToken)
    {
        var context = Context(stack, row, client);
        try
        {
            await type.CheckCreateCompleteAsync(context, row.PhysicalId!, cancellationToken);
        }
        catch (Exception error) when (error is ResourceFailure or HttpRequestException)
        {
            await MarkFailedAsync(row, context, error.Message);
            throw new ResourceFailure($"Resource CREATE failed: {error.Message}");
        }
        row.Status = "COMPLETE";
        row.StatusReason = "state changed";
        await store.SaveResourceAsync(row, withEvent: true, cancellationToken);
    }

    private async Task MarkFailedAsync(ResourceRecord row, ResourceContext context, string reason)
    {
        row.Status = "FAILED";
        row.StatusReason = reason;
        row.Data = context.Data.ToJsonString();
        await store.SaveResourceAsync(row, withEvent: true, CancellationToken.None);
    }

    /// <summary>
    /// Suspends (dependants first) or resumes (dependencies first) every resource, as Heat does; a type
    /// without a suspended state (most) passes through SUSPEND_COMPLETE unchanged.
    /// </summary>
    private async Task SuspendOrResumeAsync(StackRecord stack, HttpClient client, CancellationToken cancellationToken)
    {
        var rows = (await store.ResourcesAsync(stack.Id, cancellationToken)).Where(r => !r.Replaced && r.PhysicalId is not null).ToList();
        var suspend = stack.Action == "SUSPEND";
        await InOrderAsync(rows, reverse: suspend, async row =>
        {
            if (!suspend && row.Action == "RESUME" && row.Status == "COMPLETE")
                return; // Resumed before a crash cut this run short.
            if (suspend && row.Action == "SUSPEND" && row.Status == "COMPLETE")
                return;
            await ActAsync(stack, row, stack.Action, client, async (type, context) =>
            {
                if (suspend)
                    await type.SuspendAsync(context, row.PhysicalId!, cancellationToken);
                else
                    await type.ResumeAsync(context, row.PhysicalId!, cancellationToken);
                return null;
            }, cancellationToken);
        }, cancellationToken);
    }

    /// <summary>Checks every resource against its live object (in parallel); the stack is CHECK_FAILED if any is not as recorded.</summary>
    private async Task CheckAsync(StackRecord stack, HttpClient client, CancellationToken cancellationToken)
    {
        var rows = (await store.ResourcesAsync(stack.Id, cancellationToken)).Where(r => !r.Replaced).ToList();
        using var gate = new SemaphoreSlim(MaxParallel);
        var failures = new ConcurrentBag<string>();
        await Task.WhenAll(rows.Select(async row =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                await ActAsync(stack, row, "CHECK", client, async (type, context) =>
                    row.PhysicalId is null ? throw new ResourceFailure("The resource was never created.") : await type.CheckAsync(context, row.PhysicalId, cancellationToken), cancellationToken);
            }
            catch (ResourceFailure error)
            {
                failures.Add(error.Message);
            }
            finally
            {
                gate.Release();
            }
        }));
        if (!failures.IsEmpty)
            throw new ResourceFailure(string.Join("; ", failures.Order(StringComparer.Ordinal)));
    }

    /// <summary>One resource through ACTION_IN_PROGRESS to ACTION_COMPLETE (the reason the step returns, if any) or ACTION_FAILED.</summary>
    private async Task ActAsync(StackRecord stack, ResourceRecord row, string action, HttpClient client, Func<ResourceType, ResourceContext, Task<string?>> step, CancellationToken cancellationToken)
    {
        var type = registry.Find(row.Type) ?? throw new ResourceFailure($"The Resource Type ({row.Type}) could not be found.");
        row.Action = action;
        row.Status = "IN_PROGRESS";
        row.StatusReason = "state changed";
        await store.SaveResourceAsync(row, withEvent: true, cancellationToken);
        var context = Context(stack, row, client);
        string? reason;
        try
        {
            reason = await step(type, context);
        }
        catch (Exception error) when (error is ResourceFailure or HttpRequestException)
        {
            await MarkFailedAsync(row, context, error.Message);
            throw new ResourceFailure($"Resource {action} failed: {row.Name}: {error.Message}");
        }
        row.Data = context.Data.ToJsonString();
        row.Status = "COMPLETE";
        row.StatusReason = reason ?? "state changed";
        await store.SaveResourceAsync(row, withEvent: true, cancellationToken);
    }

    /// <summary>Runs <paramref name="act"/> on each row once those it requires (or, reversed, those requiring it) are done; parallel where independent.</summary>
    private static async Task InOrderAsync(List<ResourceRecord> rows, bool reverse, Func<ResourceRecord, Task> act, CancellationToken cancellationToken)
    {
        var names = rows.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        var tasks = new Dictionary<string, Lazy<Task>>(StringComparer.Ordinal);
        using var gate = new SemaphoreSlim(MaxParallel);
        foreach (var row in rows)
        {
            var first = reverse
                ? rows.Where(other => other.Id != row.Id && Requires(other).Contains(row.Name)).Select(o => o.Id).ToList()
                : rows.Where(other => other.Id != row.Id && Requires(row).Contains(other.Name) && names.Contains(other.Name)).Select(o => o.Id).ToList();
            tasks[row.Id] = new Lazy<Task>(async () =>
            {
                await Task.WhenAll(first.Select(d => tasks[d].Value));
                await gate.WaitAsync(cancellationToken);
                try
                {
                    await act(row);
                }
                finally
                {
                    gate.Release();
                }
            });
        }
        await Task.WhenAll(tasks.Values.Select(t => Task.Run(() => t.Value, CancellationToken.None)));
    }

    private async Task DeleteAllAsync(StackRecord stack, HttpClient client, CancellationToken cancellationToken)
    {
        var rows = await store.ResourcesAsync(stack.Id, cancellationToken);
        await DeleteRowsAsync(stack, rows.ToList(), client, cancellationToken);
    }

    /// <summary>Deletes rows once nothing among them still needs them, in parallel where independent.</summary>
    private async Task DeleteRowsAsync(StackRecord stack, List<ResourceRecord> rows, HttpClient client, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
            return;
        var tasks = new Dictionary<string, Lazy<Task>>(StringComparer.Ordinal);
        using var gate = new SemaphoreSlim(MaxParallel);
        foreach (var row in rows)
        {
            var dependants = rows.Where(other => other.Id != row.Id && !(other.Replaced && !row.Replaced && other.Name == row.Name) && Requires(other).Contains(row.Name)).Select(o => o.Id).ToList();
            tasks[row.Id] = new Lazy<Task>(async () =>
            {
                await Task.WhenAll(dependants.Select(d => tasks[d].Value));
                await gate.WaitAsync(cancellationToken);
                try
                {
                    await DeleteOneAsync(stack, row, client, cancellationToken);
                }
                finally
                {
                    gate.Release();
                }
            });
        }
        await Task.WhenAll(tasks.Values.Select(t => Task.Run(() => t.Value, CancellationToken.None)));
    }

    private async Task DeleteOneAsync(StackRecord stack, ResourceRecord row, HttpClient client, CancellationToken cancellationToken)
    {
        var type = registry.Find(row.Type);
        row.Action = "DELETE";
        row.Status = "IN_PROGRESS";
        row.StatusReason = "state changed";
        await store.SaveResourceAsync(row, withEvent: true, cancellationToken);
        var context = Context(stack, row, client);
        try
        {
            var physicalId = row.PhysicalId ?? (type is null ? null : await type.FindAsync(context, cancellationToken));
            if (physicalId is not null && type is not null)
                await type.DeleteAsync(context, physicalId, cancellationToken);
        }
        catch (Exception error) when (error is ResourceFailure or HttpRequestException)
        {
            await MarkFailedAsync(row, context, error.Message);
            throw new ResourceFailure($"Resource DELETE failed: {error.Message}");
        }
        row.Status = "COMPLETE";
        await store.SaveResourceAsync(row, withEvent: true, cancellationToken);
        await store.DeleteResourceRowAsync(row.Id, cancellationToken);
    }

    /// <summary>Fetches the attributes a snippet reads (get_attr) from the live resources, before it is resolved.</summary>
    public async Task FetchAttributesAsync(StackRecord stack, JsonNode? snippet, IReadOnlyDictionary<string, ResourceRecord> live, HttpClient client, StackScope scope, CancellationToken cancellationToken)
    {
        var wanted = new HashSet<(string, string?)>();
        ResourceDefinition.Attributes(snippet, wanted);
        foreach (var (name, attribute) in wanted)
        {
            if (scope.Attributes.ContainsKey((name, attribute)) || !live.TryGetValue(name, out var row) || row.PhysicalId is null)
                continue;
            var type = registry.Find(row.Type);
            if (type is null)
                continue;
            var context = Context(stack, row, client);
            if (attribute is null)
            {
                var all = new JsonObject();
                foreach (var (key, _) in type.Attributes)
                    all[key] = key == "show" ? null : await type.AttributeAsync(context, row.PhysicalId, key, cancellationToken);
                scope.Attributes[(name, null)] = all;
            }
            else
            {
                scope.Attributes[(name, attribute)] = await type.AttributeAsync(context, row.PhysicalId, attribute, cancellationToken);
            }
        }
    }

    public ResourceContext Context(StackRecord stack, ResourceRecord row, HttpClient client) =>
        new(client, stack.ProjectId, stack.Id, stack.Name, row.Name, row.Stamp, Data(row)) { PollInterval = PollInterval };

    private static JsonObject Data(ResourceRecord row) => JsonNode.Parse(row.Data) as JsonObject ?? [];

    private static HashSet<string> Requires(ResourceRecord row) =>
        (JsonSerializer.Deserialize(row.Requires, OrchestrationJsonContext.Default.ListString) ?? []).ToHashSet(StringComparer.Ordinal);

    private static string Json(List<string> names) => JsonSerializer.Serialize(names, OrchestrationJsonContext.Default.ListString);

    private static bool Same(string stored, List<string> names) => Requires(new ResourceRecord { Requires = stored }).SetEquals(names);

    public static HashSet<string> Changed(JsonObject before, JsonObject after)
    {
        var changed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in before.Select(p => p.Key).Union(after.Select(p => p.Key)))
        {
            if (!JsonNode.DeepEquals(before[key], after[key]))
                changed.Add(key);
        }
        return changed;
    }

    /// <summary>Refuses a dependency cycle before anything acts.</summary>
    public static void CheckAcyclic(IReadOnlyList<(string Name, IEnumerable<string> Requires)> graph)
    {
        var edges = graph.ToDictionary(g => g.Name, g => g.Requires.ToList(), StringComparer.Ordinal);
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var name in edges.Keys)
            Visit(name, []);

        void Visit(string name, List<string> trail)
        {
            if (state.GetValueOrDefault(name) == 2)
                return;
            if (state.GetValueOrDefault(name) == 1)
                throw new TemplateException($"Circular Dependency Found: {string.Join(" -> ", trail.SkipWhile(t => t != name).Append(name))}", "CircularDependencyException");
            state[name] = 1;
            trail.Add(name);
            foreach (var next in edges.GetValueOrDefault(name) ?? [])
                Visit(next, trail);
            trail.RemoveAt(trail.Count - 1);
            state[name] = 2;
        }
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];

    [LoggerMessage(Level = LogLevel.Error, Message = "Stack {StackId}: unexpected failure")]
    private static partial void LogUnexpected(ILogger logger, string stackId, Exception error);
}
