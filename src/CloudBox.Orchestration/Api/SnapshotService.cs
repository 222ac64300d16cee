using System.Text.Json.Nodes;
using CloudBox.Core.Ids;
using CloudBox.Orchestration.Data;
using CloudBox.Orchestration.Engine;

namespace CloudBox.Orchestration.Api;

/// <summary>
/// Stack snapshots: a snapshot records the stack's definition (template, environment, files,
/// parameters) and its resources (type, physical id, status, private data); restoring converges the
/// stack back to that definition by difference (RESTORE_IN_PROGRESS → RESTORE_COMPLETE). The data
/// inside volumes or servers is not copied (Heat would take Cinder backups and Glance images).
/// </summary>
internal sealed class SnapshotService(StackStore store, SnapshotStore snapshots, StackWorkSignal signal)
{
    public async Task<SnapshotRecord> CreateAsync(StackRecord stack, JsonObject body, CancellationToken cancellationToken)
    {
        var name = body["name"]?.ToString() ?? "";
        if (name.Length > 255)
            throw new HeatFault(400, "A snapshot name holds at most 255 characters.", "HTTPBadRequest");
        if (stack.Status == "IN_PROGRESS")
            throw new HeatFault(409, $"Stack {stack.Name} ({stack.Id}) is busy: {stack.FullStatus}.", "ActionInProgress");
        if ((await snapshots.ListAsync(stack.Id, cancellationToken)).Count >= SnapshotStore.MaxPerStack)
            throw new HeatFault(400, $"You have reached the maximum snapshots per stack, {SnapshotStore.MaxPerStack}. Please delete some snapshots.", "RequestLimitExceeded");
        var data = StackEngine.Snapshot(stack);
        var resources = new JsonObject();
        foreach (var row in (await store.ResourcesAsync(stack.Id, cancellationToken)).Where(r => !r.Replaced))
        {
            resources[row.Name] = new JsonObject
            {
                ["type"] = row.Type,
                ["physical_id"] = row.PhysicalId,
                ["status"] = row.FullStatus,
                ["data"] = JsonNode.Parse(row.Data),
            };
        }
        data["resources"] = resources;
        data["stack_name"] = stack.Name;
        data["stack_status"] = stack.FullStatus;
        if (!await store.BeginAsync(stack, "SNAPSHOT", "Stack SNAPSHOT started", force: false, cancellationToken))
            throw new HeatFault(409, $"Stack {stack.Name} is busy.", "ActionInProgress");
        stack.Action = "SNAPSHOT";
        var snapshot = new SnapshotRecord
        {
            Id = Identifiers.NewUuid(),
            StackId = stack.Id,
            Name = name,
            Status = "COMPLETE",
            StatusReason = "Stack SNAPSHOT completed successfully",
            Data = data.ToJsonString(),
            CreatedAt = store.Now(),
        };
        if (!await snapshots.InsertAsync(snapshot, cancellationToken))
        {
            await store.FinishAsync(stack, "FAILED", "The stack holds the maximum number of snapshots.", CancellationToken.None);
            throw new HeatFault(400, $"You have reached the maximum snapshots per stack, {SnapshotStore.MaxPerStack}. Please delete some snapshots.", "RequestLimitExceeded");
        }
        await store.FinishAsync(stack, "COMPLETE", snapshot.StatusReason, CancellationToken.None);
        return snapshot;
    }

    public async Task<SnapshotRecord> GetAsync(StackRecord stack, string id, CancellationToken cancellationToken) =>
        await snapshots.GetAsync(stack.Id, id, cancellationToken)
            ?? throw new HeatFault(404, $"The Snapshot ({id}) could not be found.", "NotFound");

    public async Task DeleteAsync(StackRecord stack, string id, CancellationToken cancellationToken)
    {
        if (!await snapshots.DeleteAsync(stack.Id, id, cancellationToken))
            throw new HeatFault(404, $"The Snapshot ({id}) could not be found.", "NotFound");
    }

    public async Task RestoreAsync(StackRecord stack, string id, CancellationToken cancellationToken)
    {
        var snapshot = await GetAsync(stack, id, cancellationToken);
        if (stack.Status == "IN_PROGRESS")
            throw new HeatFault(409, $"Stack {stack.Name} ({stack.Id}) is busy: {stack.FullStatus}.", "ActionInProgress");
        var data = JsonNode.Parse(snapshot.Data) as JsonObject ?? throw new HeatFault(400, $"The snapshot {id} holds no definition.", "HTTPBadRequest");
        stack.Previous = StackEngine.Snapshot(stack).ToJsonString();
        stack.Template = data["template"]!.ToJsonString();
        stack.Environment = data["environment"]!.ToJsonString();
        stack.Files = data["files"]!.ToJsonString();
        stack.Parameters = data["parameters"]!.ToJsonString();
        if (!await store.BeginAsync(stack, "RESTORE", "Stack RESTORE started", force: false, cancellationToken))
            throw new HeatFault(409, $"Stack {stack.Name} is busy.", "ActionInProgress");
        signal.Notify();
    }

    /// <summary>A snapshot as Heat's API shows it; its data without parameter values or resources' private data (they may be secrets).</summary>
    public static JsonObject View(SnapshotRecord snapshot)
    {
        var stored = JsonNode.Parse(snapshot.Data) as JsonObject ?? [];
        var resources = new JsonObject();
        foreach (var (name, resource) in stored["resources"] as JsonObject ?? [])
            resources[name] = new JsonObject { ["type"] = resource?["type"]?.DeepClone(), ["physical_id"] = resource?["physical_id"]?.DeepClone(), ["status"] = resource?["status"]?.DeepClone() };
        return new JsonObject
        {
            ["id"] = snapshot.Id,
            ["name"] = snapshot.Name.Length == 0 ? null : snapshot.Name,
            ["stack_id"] = snapshot.StackId,
            ["status"] = snapshot.Status,
            ["status_reason"] = snapshot.StatusReason,
            ["creation_time"] = StackViews.Time(snapshot.CreatedAt),
            ["data"] = new JsonObject
            {
                ["stack_name"] = stored["stack_name"]?.DeepClone(),
                ["status"] = stored["stack_status"]?.DeepClone(),
                ["template"] = stored["template"]?.DeepClone(),
                ["environment"] = stored["environment"]?.DeepClone(),
                ["resources"] = resources,
            },
        };
    }
}
