using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Databases.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Databases.Datastores;

/// <summary>Trove's datastores and their versions, and the management API that registers versions.</summary>
internal static class DatastoreEndpoints
{
    public static void Map(IEndpointRouteBuilder project)
    {
        project.MapGet("/datastores", ListAsync);
        project.MapGet("/datastores/versions/{versionId}", GetVersionByIdAsync);
        project.MapGet("/datastores/{datastore}", GetAsync);
        project.MapGet("/datastores/{datastore}/versions", ListVersionsAsync);
        project.MapGet("/datastores/{datastore}/versions/{version}", GetVersionAsync);
        project.MapGet("/mgmt/datastore-versions", ListAllVersionsAsync);
        project.MapPost("/mgmt/datastore-versions", CreateVersionAsync);
        project.MapDelete("/mgmt/datastore-versions/{versionId}", DeleteVersionAsync);
    }

    private static async Task<IResult> ListAsync(string projectId, HttpContext context, DatastoreStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        TroveRoutes.Authorize(context, policy, "trove:datastore:index", projectId);
        var documents = new List<DatastoreDocument>();
        foreach (var datastore in await store.ListAsync(cancellationToken))
            documents.Add(Document(context, projectId, datastore, await store.VersionsAsync(datastore.Id, cancellationToken)));
        return JsonBody.Write(new DatastoresBody(documents), TroveJson.Default.DatastoresBody);
    }

    private static async Task<IResult> GetAsync(string projectId, string datastore, HttpContext context, DatastoreStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        TroveRoutes.Authorize(context, policy, "trove:datastore:index", projectId);
        var found = await store.FindAsync(datastore, cancellationToken) ?? throw ApiFault.NotFound($"Datastore '{datastore}' cannot be found.");
        return JsonBody.Write(new DatastoreBody(Document(context, projectId, found, await store.VersionsAsync(found.Id, cancellationToken))), TroveJson.Default.DatastoreBody);
    }

    private static async Task<IResult> ListVersionsAsync(string projectId, string datastore, HttpContext context, DatastoreStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        TroveRoutes.Authorize(context, policy, "trove:datastore:index", projectId);
        var found = await store.FindAsync(datastore, cancellationToken) ?? throw ApiFault.NotFound($"Datastore '{datastore}' cannot be found.");
        var versions = await store.VersionsAsync(found.Id, cancellationToken);
        return JsonBody.Write(new DatastoreVersionsBody(versions.Select(v => VersionDocument(context, projectId, v, admin: false)).ToList()), TroveJson.Default.DatastoreVersionsBody);
    }

    private static async Task<IResult> GetVersionAsync(string projectId, string datastore, string version, HttpContext context, DatastoreStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        TroveRoutes.Authorize(context, policy, "trove:datastore:index", projectId);
        var found = await store.FindAsync(datastore, cancellationToken) ?? throw ApiFault.NotFound($"Datastore '{datastore}' cannot be found.");
        var record = await store.FindVersionAsync(found.Id, version, cancellationToken);
        if (record is null || record.DatastoreId != found.Id)
            throw ApiFault.NotFound($"Datastore version '{version}' cannot be found.");
        return JsonBody.Write(new DatastoreVersionBody(VersionDocument(context, projectId, record, admin: false)), TroveJson.Default.DatastoreVersionBody);
    }

    private static async Task<IResult> GetVersionByIdAsync(string projectId, string versionId, HttpContext context, DatastoreStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        TroveRoutes.Authorize(context, policy, "trove:datastore:index", projectId);
        var record = await store.FindVersionAsync(null, versionId, cancellationToken) ?? throw ApiFault.NotFound($"Datastore version '{versionId}' cannot be found.");
        return JsonBody.Write(new DatastoreVersionBody(VersionDocument(context, projectId, record, admin: false)), TroveJson.Default.DatastoreVersionBody);
    }

    private static async Task<IResult> ListAllVersionsAsync(string projectId, HttpContext context, DatastoreStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        TroveRoutes.Authorize(context, policy, "trove:datastore:manage", projectId);
        var versions = await store.VersionsAsync(null, cancellationToken);
        return JsonBody.Write(new DatastoreVersionsBody(versions.Select(v => VersionDocument(context, projectId, v, admin: true)).ToList()), TroveJson.Default.DatastoreVersionsBody);
    }

    private static async Task<IResult> CreateVersionAsync(string projectId, HttpContext context, DatastoreStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        TroveRoutes.Authorize(context, policy, "trove:datastore:manage", projectId);
        var body = await JsonBody.ReadAsync(context.Request, TroveJson.Default.VersionCreateBody, cancellationToken);
        var request = DatastoreManagers.Validate(body.Version);
        var record = await store.UpsertVersionAsync(request, cancellationToken);
        return JsonBody.Write(new DatastoreVersionBody(VersionDocument(context, projectId, record, admin: true)), TroveJson.Default.DatastoreVersionBody, StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> DeleteVersionAsync(string projectId, string versionId, HttpContext context, DatastoreStore store, PolicyEngine policy, CancellationToken cancellationToken)
    {
        TroveRoutes.Authorize(context, policy, "trove:datastore:manage", projectId);
        _ = await store.FindVersionAsync(null, versionId, cancellationToken) ?? throw ApiFault.NotFound($"Datastore version '{versionId}' cannot be found.");
        if (!await store.DeleteVersionAsync(versionId, cancellationToken))
            throw ApiFault.Conflict($"Datastore version '{versionId}' is used by instances.");
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static DatastoreDocument Document(HttpContext context, string projectId, DatastoreRecord datastore, IReadOnlyList<DatastoreVersionRecord> versions) =>
        new(datastore.Id, datastore.Name, TroveRoutes.Links(context, projectId, "datastores/" + datastore.Id), datastore.DefaultVersionId,
            versions.Where(v => v.Active).Select(v => new DatastoreVersionSummary(v.Id, v.Name, TroveRoutes.Links(context, projectId, $"datastores/versions/{v.Id}"))).ToList());

    private static DatastoreVersionDocument VersionDocument(HttpContext context, string projectId, DatastoreVersionRecord version, bool admin) =>
        new(version.Id, version.Name, version.DatastoreId, version.Active ? 1 : 0, version.ImageId, version.Packages,
            admin ? version.Manager : null, TroveRoutes.Links(context, projectId, $"datastores/versions/{version.Id}"));
}
