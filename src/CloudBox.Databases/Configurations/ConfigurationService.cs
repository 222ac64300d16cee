using System.Globalization;
using System.Text.Json;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Ids;
using CloudBox.Databases.Agent;
using CloudBox.Databases.Datastores;
using CloudBox.Databases.Instances;

namespace CloudBox.Databases.Configurations;

/// <summary>
/// Configuration groups: created with values checked against their datastore version's parameters
/// (<see cref="ParameterSchema"/>, all or nothing), changed, deleted when attached to nothing, and
/// attached to or detached from instances, whose agents apply them (<c>apply_configuration</c>). A
/// change to a parameter that needs a restart leaves the instance RESTART_REQUIRED, as in Trove.
/// </summary>
internal sealed class ConfigurationService(ConfigurationStore store, DatastoreStore datastores, InstanceStore instances, InstanceService instanceService, AgentTasks agent, TimeProvider clock)
{
    public async Task<ConfigurationRecord> CreateAsync(CallerContext caller, ConfigurationCreate? request, CancellationToken cancellationToken)
    {
        if (request is null)
            throw ApiFault.BadRequest("The request body must hold a 'configuration' object.");
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 255)
            throw ApiFault.BadRequest("A configuration group needs a name of 1 to 255 characters.");
        if (request.Description is { Length: > 255 })
            throw ApiFault.BadRequest("A description has at most 255 characters.");
        var (_, version) = await datastores.ResolveAsync(request.Datastore?.Type, request.Datastore?.Version, cancellationToken);
        var values = ParameterSchema.Validate(version.Manager, request.Values);
        var now = Timestamps.ToStorage(clock.GetUtcNow());
        var record = new ConfigurationRecord
        {
            Id = Identifiers.NewUuid(),
            ProjectId = caller.ProjectId ?? throw ApiFault.Forbidden("A configuration group belongs to a project: use a project-scoped token."),
            Name = name,
            Description = request.Description,
            VersionId = version.Id,
            Parameters = JsonSerializer.Serialize(values, ConfigurationJson.Default.SortedDictionaryStringString),
            CreatedAt = now,
            UpdatedAt = now,
        };
        await store.InsertAsync(record, cancellationToken);
        return record;
    }

    /// <summary>The group if the caller may see it (its project's, or any for an admin); 404 otherwise.</summary>
    public async Task<ConfigurationRecord> FindAsync(CallerContext caller, string projectId, string id, CancellationToken cancellationToken)
    {
        var record = await store.FindAsync(id, cancellationToken);
        if (record is null || (record.ProjectId != projectId && !caller.HasRole("admin")))
            throw ApiFault.NotFound($"Configuration group {id} cannot be found.");
        return record;
    }

    /// <summary>PUT replaces the values (<paramref name="merge"/> false), PATCH adds to them; attached instances get the new values.</summary>
    public async Task<ConfigurationRecord> UpdateAsync(CallerContext caller, string projectId, string id, ConfigurationCreate? request, bool merge, CancellationToken cancellationToken)
    {
        var record = await FindAsync(caller, projectId, id, cancellationToken);
        if (request is null)
            throw ApiFault.BadRequest("The request body must hold a 'configuration' object.");
        var version = await datastores.FindVersionAsync(null, record.VersionId, cancellationToken)
            ?? throw ApiFault.BadRequest($"Datastore version {record.VersionId} of this configuration group no longer exists.");
        var old = Values(record);
        var given = request.Values.ValueKind == JsonValueKind.Undefined ? new SortedDictionary<string, string>(StringComparer.Ordinal) : ParameterSchema.Validate(version.Manager, request.Values);
        var values = merge ? new SortedDictionary<string, string>(old, StringComparer.Ordinal) : new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in given)
            values[key] = value;
        if (request.Name is not null)
        {
            var name = request.Name.Trim();
            if (name.Length is 0 or > 255)
                throw ApiFault.BadRequest("A configuration group needs a name of 1 to 255 characters.");
            record.Name = name;
        }
        if (request.Description is { Length: > 255 })
            throw ApiFault.BadRequest("A description has at most 255 characters.");
        record.Description = request.Description ?? record.Description;
        record.Parameters = JsonSerializer.Serialize(values, ConfigurationJson.Default.SortedDictionaryStringString);
        record.UpdatedAt = Timestamps.ToStorage(clock.GetUtcNow());
        await store.UpdateAsync(record, cancellationToken);
        foreach (var instanceId in await store.InstancesAsync(record.Id, ConfigurationStore.MaxPage, cancellationToken))
        {
            var instance = await instances.FindAsync(instanceId, cancellationToken);
            if (instance is null || instance.Status is not (InstanceStatus.Active or InstanceStatus.RestartRequired))
                continue;
            await agent.QueueAsync(instance.Id, "apply_configuration", new TaskPayload(Configuration: values), cancellationToken);
            if (NeedsRestart(version.Manager, old, values))
                await instanceService.SetStatusAsync(instance.Id, InstanceStatus.RestartRequired, null, cancellationToken);
        }
        return record;
    }

    public async Task DeleteAsync(CallerContext caller, string projectId, string id, CancellationToken cancellationToken)
    {
        var record = await FindAsync(caller, projectId, id, cancellationToken);
        if (!await store.DeleteAsync(record.Id, cancellationToken))
            throw ApiFault.BadRequest($"Configuration group {record.Id} is attached to instances; detach it from them first.");
    }

    /// <summary>Checks that <paramref name="configurationId"/> may be attached to a new instance of <paramref name="versionId"/>; its id.</summary>
    public async Task<string> CheckForNewInstanceAsync(CallerContext caller, string projectId, string configurationId, string versionId, CancellationToken cancellationToken)
    {
        var record = await FindAsync(caller, projectId, configurationId, cancellationToken);
        if (record.VersionId != versionId)
            throw ApiFault.BadRequest($"Configuration group {record.Id} is for another datastore version than the instance's.");
        return record.Id;
    }

    /// <summary>Attaches a group to a running instance and has its agent apply the values (waiting for it).</summary>
    public async Task AttachAsync(CallerContext caller, string projectId, InstanceRecord instance, string configurationId, CancellationToken cancellationToken)
    {
        var record = await FindAsync(caller, projectId, configurationId, cancellationToken);
        if (record.VersionId != instance.VersionId)
            throw ApiFault.BadRequest($"Configuration group {record.Id} is for another datastore version than the instance's.");
        InstanceService.RequireActive(instance);
        var current = await store.ForInstanceAsync(instance.Id, cancellationToken);
        if (current is not null && current.Id != record.Id)
            throw ApiFault.BadRequest($"Instance {instance.Id} already has configuration group {current.Id} attached; detach it first.");
        var version = await datastores.FindVersionAsync(null, instance.VersionId, cancellationToken);
        await store.AttachAsync(instance.Id, record.Id, Timestamps.ToStorage(clock.GetUtcNow()), cancellationToken);
        var values = Values(record);
        await agent.CallAsync(instance.Id, "apply_configuration", new TaskPayload(Configuration: values), cancellationToken);
        if (NeedsRestart(version?.Manager ?? "", current is null ? [] : Values(current), values))
            await instanceService.SetStatusAsync(instance.Id, InstanceStatus.RestartRequired, null, cancellationToken);
    }

    /// <summary>Detaches the instance's group (if any) and has its agent drop the values.</summary>
    public async Task DetachAsync(InstanceRecord instance, CancellationToken cancellationToken)
    {
        InstanceService.RequireActive(instance);
        var current = await store.ForInstanceAsync(instance.Id, cancellationToken);
        if (current is null)
            return;
        var version = await datastores.FindVersionAsync(null, instance.VersionId, cancellationToken);
        await store.DetachAsync(instance.Id, cancellationToken);
        await agent.CallAsync(instance.Id, "apply_configuration", new TaskPayload(Configuration: new SortedDictionary<string, string>()), cancellationToken);
        var manager = version?.Manager ?? "";
        // MariaDB's SET GLOBAL cannot put a parameter back to its default: dropping any value needs a restart there.
        if (DatastoreManagers.IsMariaDb(manager) ? Values(current).Count > 0 : NeedsRestart(manager, Values(current), new Dictionary<string, string>()))
            await instanceService.SetStatusAsync(instance.Id, InstanceStatus.RestartRequired, null, cancellationToken);
    }

    public static SortedDictionary<string, string> Values(ConfigurationRecord record) =>
        JsonSerializer.Deserialize(record.Parameters, ConfigurationJson.Default.SortedDictionaryStringString) ?? new(StringComparer.Ordinal);

    /// <summary>Whether going from <paramref name="before"/> to <paramref name="after"/> changes a parameter only a restart applies.</summary>
    private static bool NeedsRestart(string manager, IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after) =>
        ParameterSchema.For(manager).Where(p => p.RestartRequired)
            .Any(p => before.GetValueOrDefault(p.Name) != after.GetValueOrDefault(p.Name));

    /// <summary>The stored text values as Trove shows them: numbers as numbers, booleans as booleans.</summary>
    public static IReadOnlyDictionary<string, JsonElement> Typed(string manager, IReadOnlyDictionary<string, string> values)
    {
        var specs = ParameterSchema.For(manager).ToDictionary(p => p.Name, StringComparer.Ordinal);
        var typed = new SortedDictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var (key, value) in values)
        {
            var type = specs.GetValueOrDefault(key)?.Type ?? "string";
            typed[key] = type switch
            {
                "integer" or "float" when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _) => JsonDocument.Parse(value).RootElement.Clone(),
                "boolean" => JsonDocument.Parse(value == "on" ? "true" : "false").RootElement.Clone(),
                _ => JsonSerializer.SerializeToElement(value, ConfigurationJson.Default.String),
            };
        }
        return typed;
    }
}
