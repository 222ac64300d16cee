using CloudBox.Core.Data;
using CloudBox.Core.Ids;
using Dapper;

namespace CloudBox.Orchestration.Data;

/// <summary>The SQL of the Orchestration module: stacks, resources and events.</summary>
internal sealed class StackStore(Database database, TimeProvider clock)
{
    private const string StackColumns = "id, name, project_id, user_id, parent_id, template, environment, files, parameters, previous, action, status, status_reason, disable_rollback, timeout_mins, tags, operation_started_at, created_at, updated_at, deleted_at";
    private const string ResourceColumns = "id, stack_id, name, type, physical_id, action, status, status_reason, properties, data, requires, stamp, replaced, created_at, updated_at";

    public string Now() => Timestamps.ToStorage(clock.GetUtcNow());

    public async Task InsertStackAsync(StackRecord stack, CancellationToken cancellationToken)
    {
        await database.InTransactionAsync(async (c, t) =>
        {
            await database.LockAsync(c, t, "orchestration-stack-name:" + stack.ProjectId);
            var taken = await c.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM orchestration_stacks WHERE project_id = @ProjectId AND name = @Name AND deleted_at IS NULL", stack, t, cancellationToken: cancellationToken));
            if (taken > 0)
                throw new Core.Api.ApiFault(409, $"The Stack ({stack.Name}) already exists.");
            await c.ExecuteAsync(new CommandDefinition(
                $"INSERT INTO orchestration_stacks ({StackColumns}) VALUES (@Id, @Name, @ProjectId, @UserId, @ParentId, @Template, @Environment, @Files, @Parameters, @Previous, @Action, @Status, @StatusReason, @DisableRollback, @TimeoutMins, @Tags, @OperationStartedAt, @CreatedAt, @UpdatedAt, @DeletedAt)",
                stack, t, cancellationToken: cancellationToken));
            await InsertEventAsync(c, t, stack.Id, stack.Name, stack.Id, "OS::Heat::Stack", stack.Action, stack.Status, stack.StatusReason, cancellationToken);
        }, cancellationToken);
    }

    public async Task<StackRecord?> GetStackAsync(string id, CancellationToken cancellationToken)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return await c.QuerySingleOrDefaultAsync<StackRecord>(new CommandDefinition(
            $"SELECT {StackColumns} FROM orchestration_stacks WHERE id = @id AND deleted_at IS NULL", new { id }, cancellationToken: cancellationToken));
    }

    public async Task<StackRecord?> FindStackAsync(string? projectId, string nameOrId, CancellationToken cancellationToken)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return await c.QueryFirstOrDefaultAsync<StackRecord>(new CommandDefinition(
            $"SELECT {StackColumns} FROM orchestration_stacks WHERE (id = @nameOrId OR name = @nameOrId) AND (@projectId IS NULL OR project_id = @projectId) AND deleted_at IS NULL ORDER BY CASE WHEN id = @nameOrId THEN 0 ELSE 1 END",
            new { projectId, nameOrId }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<StackRecord>> ListStacksAsync(StackQuery query, CancellationToken cancellationToken)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var where = new List<string> { "deleted_at IS NULL" };
        if (query.ProjectId is not null)
            where.Add("project_id = @ProjectId");
        if (!query.ShowNested)
            where.Add("parent_id IS NULL");
        if (query.Name is not null)
            where.Add("name = @Name");
        if (query.Status is not null)
            where.Add("status = @Status");
        if (query.Action is not null)
            where.Add("action = @Action");
        // A stack still being created has no update time yet: it sorts (and pages) by its creation time, as it shows.
        var column = query.SortColumn == "updated_at" ? "COALESCE(updated_at, created_at)" : query.SortColumn;
        if (query.Marker is not null)
        {
            var marker = await c.QuerySingleOrDefaultAsync<StackRecord>(new CommandDefinition($"SELECT {StackColumns} FROM orchestration_stacks WHERE id = @Marker", query, cancellationToken: cancellationToken))
                ?? throw Core.Api.ApiFault.BadRequest($"marker {query.Marker} not found");
            var op = query.Descending ? "<" : ">";
            where.Add($"({column} {op} @MarkerValue OR ({column} = @MarkerValue AND id {op} @Marker))");
            query = query with { MarkerValue = query.SortColumn switch { "name" => marker.Name, "status" => marker.Status, "updated_at" => marker.UpdatedAt ?? marker.CreatedAt, _ => marker.CreatedAt } };
        }
        var dir = query.Descending ? "DESC" : "ASC";
        var sql = $"SELECT {StackColumns} FROM orchestration_stacks WHERE {string.Join(" AND ", where)} ORDER BY {column} {dir}, id {dir} LIMIT @Limit";
        return (await c.QueryAsync<StackRecord>(new CommandDefinition(sql, query, cancellationToken: cancellationToken))).AsList();
    }

    public async Task<IReadOnlyList<string>> InProgressStackIdsAsync(CancellationToken cancellationToken)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return (await c.QueryAsync<string>(new CommandDefinition(
            "SELECT id FROM orchestration_stacks WHERE status = 'IN_PROGRESS' AND deleted_at IS NULL ORDER BY created_at LIMIT 1000", cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>Starts an operation (CREATE, UPDATE, DELETE, ROLLBACK…) on a stack that is not busy; false when it is.</summary>
    public async Task<bool> BeginAsync(StackRecord stack, string action, string reason, bool force, CancellationToken cancellationToken)
    {
        var now = Now();
        return await database.InTransactionAsync(async (c, t) =>
        {
            var changed = await c.ExecuteAsync(new CommandDefinition(
                "UPDATE orchestration_stacks SET template = @Template, environment = @Environment, files = @Files, parameters = @Parameters, previous = @Previous, disable_rollback = @DisableRollback, timeout_mins = @TimeoutMins, tags = @Tags, " +
                "action = @action, status = 'IN_PROGRESS', status_reason = @reason, operation_started_at = @now, updated_at = @now WHERE id = @Id AND (status <> 'IN_PROGRESS' OR @force)",
                new { stack.Template, stack.Environment, stack.Files, stack.Parameters, stack.Previous, stack.DisableRollback, stack.TimeoutMins, stack.Tags, action, reason, now, stack.Id, force }, t, cancellationToken: cancellationToken));
            if (changed == 0)
                return false;
            await InsertEventAsync(c, t, stack.Id, stack.Name, stack.Id, "OS::Heat::Stack", action, "IN_PROGRESS", reason, cancellationToken);
            return true;
        }, cancellationToken);
    }

    public async Task FinishAsync(StackRecord stack, string status, string reason, CancellationToken cancellationToken)
    {
        var now = Now();
        await database.InTransactionAsync(async (c, t) =>
        {
            await c.ExecuteAsync(new CommandDefinition(
                "UPDATE orchestration_stacks SET status = @status, status_reason = @reason, updated_at = @now, deleted_at = CASE WHEN action = 'DELETE' AND @status = 'COMPLETE' THEN @now ELSE NULL END WHERE id = @Id",
                new { status, reason, now, stack.Id }, t, cancellationToken: cancellationToken));
            await InsertEventAsync(c, t, stack.Id, stack.Name, stack.Id, "OS::Heat::Stack", stack.Action, status, reason, cancellationToken);
        }, cancellationToken);
    }

    /// <summary>Abandons a stack that is not busy: its row is closed (ABANDON_COMPLETE, deleted) and its resource rows dropped; false when busy.</summary>
    public async Task<bool> AbandonAsync(StackRecord stack, CancellationToken cancellationToken)
    {
        var now = Now();
        return await database.InTransactionAsync(async (c, t) =>
        {
            var changed = await c.ExecuteAsync(new CommandDefinition(
                "UPDATE orchestration_stacks SET action = 'ABANDON', status = 'COMPLETE', status_reason = 'Stack ABANDON completed successfully', updated_at = @now, deleted_at = @now WHERE id = @Id AND status <> 'IN_PROGRESS' AND deleted_at IS NULL",
                new { now, stack.Id }, t, cancellationToken: cancellationToken));
            if (changed == 0)
                return false;
            await c.ExecuteAsync(new CommandDefinition("DELETE FROM orchestration_resources WHERE stack_id = @Id", new { stack.Id }, t, cancellationToken: cancellationToken));
            await InsertEventAsync(c, t, stack.Id, stack.Name, stack.Id, "OS::Heat::Stack", "ABANDON", "COMPLETE", "Stack ABANDON completed successfully", cancellationToken);
            return true;
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<ResourceRecord>> ResourcesAsync(string stackId, CancellationToken cancellationToken)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return (await c.QueryAsync<ResourceRecord>(new CommandDefinition(
            $"SELECT {ResourceColumns} FROM orchestration_resources WHERE stack_id = @stackId ORDER BY created_at, id", new { stackId }, cancellationToken: cancellationToken))).AsList();
    }

    public async Task InsertResourceAsync(ResourceRecord resource, string stackName, CancellationToken cancellationToken)
    {
        resource.CreatedAt = Now();
        await database.InTransactionAsync(async (c, t) =>
        {
            await c.ExecuteAsync(new CommandDefinition(
                $"INSERT INTO orchestration_resources ({ResourceColumns}) VALUES (@Id, @StackId, @Name, @Type, @PhysicalId, @Action, @Status, @StatusReason, @Properties, @Data, @Requires, @Stamp, @Replaced, @CreatedAt, @UpdatedAt)",
                resource, t, cancellationToken: cancellationToken));
            await InsertEventAsync(c, t, resource.StackId, resource.Name, resource.PhysicalId ?? "", resource.Type, resource.Action, resource.Status, resource.StatusReason, cancellationToken);
        }, cancellationToken);
    }

    /// <summary>Records a resource's step (and its event) in one transaction.</summary>
    public async Task SaveResourceAsync(ResourceRecord resource, bool withEvent, CancellationToken cancellationToken)
    {
        resource.UpdatedAt = Now();
        await database.InTransactionAsync(async (c, t) =>
        {
            await c.ExecuteAsync(new CommandDefinition(
                "UPDATE orchestration_resources SET physical_id = @PhysicalId, action = @Action, status = @Status, status_reason = @StatusReason, properties = @Properties, data = @Data, requires = @Requires, replaced = @Replaced, updated_at = @UpdatedAt WHERE id = @Id",
                resource, t, cancellationToken: cancellationToken));
            if (withEvent)
                await InsertEventAsync(c, t, resource.StackId, resource.Name, resource.PhysicalId ?? "", resource.Type, resource.Action, resource.Status, resource.StatusReason, cancellationToken);
        }, cancellationToken);
    }

    public async Task DeleteResourceRowAsync(string id, CancellationToken cancellationToken)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        await c.ExecuteAsync(new CommandDefinition("DELETE FROM orchestration_resources WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<EventRecord>> EventsAsync(string stackId, string? resourceName, EventQuery query, CancellationToken cancellationToken)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var where = new List<string> { "stack_id = @stackId" };
        if (resourceName is not null)
            where.Add("resource_name = @resourceName");
        if (query.Action is not null)
            where.Add("action = @Action");
        if (query.Status is not null)
            where.Add("status = @Status");
        if (query.Type is not null)
            where.Add("resource_type = @Type");
        long? markerSeq = null;
        if (query.Marker is not null)
        {
            markerSeq = await c.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT seq FROM orchestration_events WHERE id = @Marker", query, cancellationToken: cancellationToken))
                ?? throw Core.Api.ApiFault.NotFound($"The event {query.Marker} could not be found.");
            where.Add(query.Descending ? "seq < @markerSeq" : "seq > @markerSeq");
        }
        var sql = $"SELECT seq, id, stack_id, resource_name, physical_id, resource_type, action, status, reason, event_time FROM orchestration_events WHERE {string.Join(" AND ", where)} ORDER BY seq {(query.Descending ? "DESC" : "ASC")} LIMIT @Limit";
        return (await c.QueryAsync<EventRecord>(new CommandDefinition(sql, new { stackId, resourceName, query.Action, query.Status, query.Type, markerSeq, query.Limit }, cancellationToken: cancellationToken))).AsList();
    }

    public async Task AddEventAsync(string stackId, string resourceName, string physicalId, string type, string action, string status, string reason, CancellationToken cancellationToken)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        await using var t = await c.BeginTransactionAsync(cancellationToken);
        await InsertEventAsync(c, t, stackId, resourceName, physicalId, type, action, status, reason, cancellationToken);
        await t.CommitAsync(cancellationToken);
    }

    private async Task InsertEventAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction t, string stackId, string resourceName, string physicalId, string type, string action, string status, string reason, CancellationToken cancellationToken) =>
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO orchestration_events (id, stack_id, resource_name, physical_id, resource_type, action, status, reason, event_time) VALUES (@id, @stackId, @resourceName, @physicalId, @type, @action, @status, @reason, @now)",
            new { id = Identifiers.NewUuid(), stackId, resourceName, physicalId, type, action, status, reason, now = Now() }, t, cancellationToken: cancellationToken));
}

internal sealed record StackQuery(string? ProjectId, bool ShowNested, string? Name, string? Status, string? Action, string SortColumn, bool Descending, string? Marker, int Limit)
{
    public string? MarkerValue { get; init; }
}

internal sealed record EventQuery(string? Action, string? Status, string? Type, string? Marker, bool Descending, int Limit);
