using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Policy;
using CloudBox.Databases.Api;
using CloudBox.Databases.Cloud;
using CloudBox.Databases.Datastores;
using CloudBox.Databases.Instances;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Databases.Backups;

/// <summary>Trove's <c>/backups</c> and <c>/instances/{id}/backups</c>: create, list (paged, by instance or datastore), show and delete.</summary>
internal static class BackupEndpoints
{
    public static void Map(IEndpointRouteBuilder project)
    {
        project.MapGet("/backups", ListAsync);
        project.MapPost("/backups", CreateAsync);
        project.MapGet("/backups/{id}", GetAsync);
        project.MapDelete("/backups/{id}", DeleteAsync);
        project.MapGet("/instances/{id}/backups", InstanceListAsync);
    }

    private static async Task<IResult> CreateAsync(string projectId, HttpContext context, BackupService service, DatastoreStore datastores, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = TroveRoutes.Authorize(context, policy, "trove:backup:create", projectId);
        var body = await JsonBody.ReadAsync(context.Request, TroveJson.Default.BackupCreateBody, cancellationToken);
        var request = context.Request;
        var locationBase = $"{request.Scheme}://{request.Host}{request.PathBase}/{UserCloud.SwiftAccountPath(projectId)}";
        var backup = await service.CreateAsync(caller, projectId, body.Backup, locationBase, cancellationToken);
        var document = await DocumentsAsync(datastores, cancellationToken);
        return JsonBody.Write(new BackupBody(document(backup)), TroveJson.Default.BackupBody, StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> GetAsync(string projectId, string id, HttpContext context, BackupService service, DatastoreStore datastores, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = TroveRoutes.Authorize(context, policy, "trove:backup:show", projectId);
        var backup = await service.FindAsync(caller, projectId, id, cancellationToken);
        var document = await DocumentsAsync(datastores, cancellationToken);
        return JsonBody.Write(new BackupBody(document(backup)), TroveJson.Default.BackupBody);
    }

    private static async Task<IResult> DeleteAsync(string projectId, string id, HttpContext context, BackupService service, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = TroveRoutes.Authorize(context, policy, "trove:backup:delete", projectId);
        await service.DeleteAsync(caller, projectId, id, cancellationToken);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> ListAsync(string projectId, HttpContext context, BackupStore store, DatastoreStore datastores, InstanceService instances, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = TroveRoutes.Authorize(context, policy, "trove:backup:index", projectId);
        var query = context.Request;
        string? instanceId = null;
        if (query.Query("instance_id") is { } instance)
            instanceId = (await instances.FindAsync(caller, projectId, instance, cancellationToken)).Id;
        IReadOnlyList<string>? versionIds = null;
        if (query.Query("datastore") is { } datastoreName)
        {
            var datastore = await datastores.FindAsync(datastoreName, cancellationToken);
            versionIds = datastore is null ? [] : (await datastores.VersionsAsync(datastore.Id, cancellationToken)).Select(v => v.Id).ToList();
        }
        var allProjects = query.Query("all_projects") is "true" or "True" or "1" && caller.HasRole("admin");
        var scope = allProjects ? query.Query("project_id") : projectId;
        return await PageAsync(context, projectId, "backups", scope, instanceId, versionIds, store, datastores, cancellationToken);
    }

    private static async Task<IResult> InstanceListAsync(string projectId, string id, HttpContext context, BackupStore store, DatastoreStore datastores, InstanceService instances, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = TroveRoutes.Authorize(context, policy, "trove:backup:index", projectId);
        var instance = await instances.FindAsync(caller, projectId, id, cancellationToken);
        return await PageAsync(context, projectId, $"instances/{instance.Id}/backups", instance.ProjectId, instance.Id, null, store, datastores, cancellationToken);
    }

    private static async Task<IResult> PageAsync(HttpContext context, string projectId, string path, string? scope, string? instanceId, IReadOnlyList<string>? versionIds,
        BackupStore store, DatastoreStore datastores, CancellationToken cancellationToken)
    {
        var limit = InstanceEndpoints.ParseLimit(context.Request.Query("limit"));
        BackupRecord? marker = null;
        if (context.Request.Query("marker") is { } markerId)
        {
            marker = await store.FindAsync(markerId, cancellationToken);
            if (marker is null || (scope is not null && marker.ProjectId != scope))
                throw ApiFault.BadRequest($"Marker {markerId} is not a backup of this project.");
        }
        var page = await store.ListAsync(scope, instanceId, versionIds, Math.Min(limit, BackupStore.MaxPage) + 1, marker, cancellationToken);
        var document = await DocumentsAsync(datastores, cancellationToken);
        var shown = page.Take(limit).Select(document).ToList();
        var links = new List<Link>();
        if (page.Count > limit)
            links.Add(new Link(TroveRoutes.Url(context, projectId, $"{path}?limit={limit}&marker={shown[^1].Id}"), "next"));
        return JsonBody.Write(new BackupsBody(shown, links), TroveJson.Default.BackupsBody);
    }

    private static async Task<Func<BackupRecord, BackupDocument>> DocumentsAsync(DatastoreStore datastores, CancellationToken cancellationToken)
    {
        var names = new Dictionary<string, (string Datastore, string Version)>();
        foreach (var datastore in await datastores.ListAsync(cancellationToken))
        {
            foreach (var version in await datastores.VersionsAsync(datastore.Id, cancellationToken))
                names[version.Id] = (datastore.Name, version.Name);
        }
        return backup =>
        {
            var (datastore, version) = names.GetValueOrDefault(backup.VersionId, ("unknown", "unknown"));
            return new BackupDocument(backup.Id, backup.Name, backup.Description, backup.LocationRef, backup.InstanceId, backup.CreatedAt, backup.UpdatedAt,
                backup.Size is { } bytes ? Math.Round(bytes / (1024.0 * 1024 * 1024), 6) : null, backup.Status, null,
                new BackupDatastore(datastore, version, backup.VersionId), backup.ProjectId, backup.Checksum, "swift", backup.Fault);
        };
    }
}
