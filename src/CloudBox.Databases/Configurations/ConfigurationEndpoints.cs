using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Databases.Api;
using CloudBox.Databases.Datastores;
using CloudBox.Databases.Instances;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Databases.Configurations;

/// <summary>Trove's configuration groups (<c>/configurations</c>) and the parameters each datastore version lets them set.</summary>
internal static class ConfigurationEndpoints
{
    public static void Map(IEndpointRouteBuilder project)
    {
        project.MapGet("/datastores/{datastore}/versions/{version}/parameters", ParametersAsync);
        project.MapGet("/datastores/{datastore}/versions/{version}/parameters/{name}", ParameterAsync);
        project.MapGet("/datastores/versions/{version}/parameters", (string projectId, string version, HttpContext context, DatastoreStore store, PolicyEngine policy, CancellationToken cancellationToken) =>
            ParametersAsync(projectId, null, version, context, store, policy, cancellationToken));
        project.MapGet("/datastores/versions/{version}/parameters/{name}", (string projectId, string version, string name, HttpContext context, DatastoreStore store, PolicyEngine policy, CancellationToken cancellationToken) =>
            ParameterAsync(projectId, null, version, name, context, store, policy, cancellationToken));
        project.MapGet("/configurations", ListAsync);
        project.MapPost("/configurations", CreateAsync);
        project.MapGet("/configurations/{id}", GetAsync);
        project.MapPut("/configurations/{id}", (string projectId, string id, HttpContext context, ConfigurationService service, PolicyEngine policy, CancellationToken cancellationToken) =>
            UpdateAsync(projectId, id, merge: false, context, service, policy, cancellationToken));
        project.MapPatch("/configurations/{id}", (string projectId, string id, HttpContext context, ConfigurationService service, PolicyEngine policy, CancellationToken cancellationToken) =>
            UpdateAsync(projectId, id, merge: true, context, service, policy, cancellationToken));
        project.MapDelete("/configurations/{id}", DeleteAsync);
        project.MapGet("/configurations/{id}/instances", InstancesAsync);
        project.MapGet("/instances/{id}/configuration", InstanceConfigurationAsync);
    }

    /// <summary>The instance's configuration as its datastore runs it (<c>openstack database configuration default</c>): the values the agent reads for the parameters groups may set.</summary>
    private static async Task<IResult> InstanceConfigurationAsync(string projectId, string id, HttpContext context, InstanceService instances, Agent.AgentTasks agent, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = TroveRoutes.Authorize(context, policy, "trove:instance:configuration", projectId);
        var instance = await instances.FindAsync(caller, projectId, id, cancellationToken);
        InstanceService.RequireActive(instance);
        var result = await agent.CallAsync(instance.Id, "get_configuration", new Agent.TaskPayload(), cancellationToken);
        return JsonBody.Write(new InstanceConfigurationBody(new InstanceConfiguration(result.Configuration ?? new Dictionary<string, string>())), ConfigurationJson.Default.InstanceConfigurationBody);
    }

    private static async Task<DatastoreVersionRecord> VersionAsync(string? datastore, string version, DatastoreStore store, CancellationToken cancellationToken)
    {
        if (datastore is null)
            return await store.FindVersionAsync(null, version, cancellationToken) ?? throw ApiFault.NotFound($"Datastore version '{version}' cannot be found.");
        var found = await store.FindAsync(datastore, cancellationToken) ?? throw ApiFault.NotFound($"Datastore '{datastore}' cannot be found.");
        var record = await store.FindVersionAsync(found.Id, version, cancellationToken);
        if (record is null || record.DatastoreId != found.Id)
            throw ApiFault.NotFound($"Datastore version '{version}' cannot be found.");
        return record;
    }

    private static ParameterDocument Parameter(ParameterSpec spec, string versionId) =>
        new(spec.Name, spec.Type, spec.Min, spec.Max, spec.RestartRequired, versionId);

    private static async Task<IResult> ParametersAsync(string projectId, string? datastore, string version, HttpContext context, DatastoreStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        TroveRoutes.Authorize(context, policy, "trove:datastore:index", projectId);
        var record = await VersionAsync(datastore, version, store, cancellationToken);
        return JsonBody.Write(new ParametersBody(ParameterSchema.For(record.Manager).Select(p => Parameter(p, record.Id)).ToList()), ConfigurationJson.Default.ParametersBody);
    }

    private static async Task<IResult> ParameterAsync(string projectId, string? datastore, string version, string name, HttpContext context, DatastoreStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        TroveRoutes.Authorize(context, policy, "trove:datastore:index", projectId);
        var record = await VersionAsync(datastore, version, store, cancellationToken);
        var spec = ParameterSchema.For(record.Manager).FirstOrDefault(p => p.Name == name)
            ?? throw ApiFault.NotFound($"Configuration parameter '{name}' cannot be found for this datastore version.");
        return JsonBody.Write(Parameter(spec, record.Id), ConfigurationJson.Default.ParameterDocument);
    }

    private static async Task<Func<ConfigurationRecord, bool, ConfigurationDocument>> DocumentsAsync(DatastoreStore store, CancellationToken cancellationToken)
    {
        var names = new Dictionary<string, (string Datastore, string Version, string Manager)>();
        foreach (var datastore in await store.ListAsync(cancellationToken))
        {
            foreach (var version in await store.VersionsAsync(datastore.Id, cancellationToken))
                names[version.Id] = (datastore.Name, version.Name, version.Manager);
        }
        return (record, detail) =>
        {
            var (datastore, version, manager) = names.GetValueOrDefault(record.VersionId, ("unknown", "unknown", ""));
            return new ConfigurationDocument(record.Id, record.Name, record.Description, datastore, record.VersionId, version, version, record.CreatedAt, record.UpdatedAt,
                detail ? record.InstanceCount : null, detail ? ConfigurationService.Typed(manager, ConfigurationService.Values(record)) : null);
        };
    }

    private static async Task<IResult> ListAsync(string projectId, HttpContext context, ConfigurationService service, ConfigurationStore store, DatastoreStore datastores, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = TroveRoutes.Authorize(context, policy, "trove:configuration:index", projectId);
        var limit = InstanceEndpoints.ParseLimit(context.Request.Query("limit"));
        var marker = context.Request.Query("marker") is { } id ? await service.FindAsync(caller, projectId, id, cancellationToken) : null;
        var records = await store.ListAsync(projectId, Math.Min(limit, ConfigurationStore.MaxPage), marker, cancellationToken);
        var document = await DocumentsAsync(datastores, cancellationToken);
        return JsonBody.Write(new ConfigurationsBody(records.Select(r => document(r, false)).ToList()), ConfigurationJson.Default.ConfigurationsBody);
    }

    private static async Task<IResult> CreateAsync(string projectId, HttpContext context, ConfigurationService service, DatastoreStore datastores, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = TroveRoutes.Authorize(context, policy, "trove:configuration:create", projectId);
        var body = await JsonBody.ReadAsync(context.Request, ConfigurationJson.Default.ConfigurationCreateBody, cancellationToken);
        var record = await service.CreateAsync(caller, body.Configuration, cancellationToken);
        var document = await DocumentsAsync(datastores, cancellationToken);
        return JsonBody.Write(new ConfigurationBody(document(record, true)), ConfigurationJson.Default.ConfigurationBody);
    }

    private static async Task<IResult> GetAsync(string projectId, string id, HttpContext context, ConfigurationService service, DatastoreStore datastores, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = TroveRoutes.Authorize(context, policy, "trove:configuration:index", projectId);
        var record = await service.FindAsync(caller, projectId, id, cancellationToken);
        var document = await DocumentsAsync(datastores, cancellationToken);
        return JsonBody.Write(new ConfigurationBody(document(record, true)), ConfigurationJson.Default.ConfigurationBody);
    }

    private static async Task<IResult> UpdateAsync(string projectId, string id, bool merge, HttpContext context, ConfigurationService service, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = TroveRoutes.Authorize(context, policy, "trove:configuration:update", projectId);
        var body = await JsonBody.ReadAsync(context.Request, ConfigurationJson.Default.ConfigurationCreateBody, cancellationToken);
        await service.UpdateAsync(caller, projectId, id, body.Configuration, merge, cancellationToken);
        return merge ? Results.Ok() : Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> DeleteAsync(string projectId, string id, HttpContext context, ConfigurationService service, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = TroveRoutes.Authorize(context, policy, "trove:configuration:delete", projectId);
        await service.DeleteAsync(caller, projectId, id, cancellationToken);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> InstancesAsync(string projectId, string id, HttpContext context, ConfigurationService service, ConfigurationStore store, InstanceStore instances, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = TroveRoutes.Authorize(context, policy, "trove:configuration:index", projectId);
        var record = await service.FindAsync(caller, projectId, id, cancellationToken);
        var limit = InstanceEndpoints.ParseLimit(context.Request.Query("limit"));
        var list = new List<ConfigurationInstance>();
        foreach (var instanceId in await store.InstancesAsync(record.Id, limit, cancellationToken))
        {
            if (await instances.FindAsync(instanceId, cancellationToken) is { } instance)
                list.Add(new ConfigurationInstance(instance.Id, instance.Name));
        }
        return JsonBody.Write(new ConfigurationInstancesBody(list), ConfigurationJson.Default.ConfigurationInstancesBody);
    }
}
