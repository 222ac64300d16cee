using System.Text.Json.Serialization;
using CloudBox.Databases.Api;

namespace CloudBox.Databases.Datastores;

internal sealed record DatastoreVersionSummary(string Id, string Name, IReadOnlyList<Link> Links);

internal sealed record DatastoreDocument(string Id, string Name, IReadOnlyList<Link> Links,
    [property: JsonPropertyName("default_version")] string? DefaultVersion, IReadOnlyList<DatastoreVersionSummary> Versions);

internal sealed record DatastoresBody(IReadOnlyList<DatastoreDocument> Datastores);

internal sealed record DatastoreBody(DatastoreDocument Datastore);

internal sealed record DatastoreVersionDocument(string Id, string Name, string Datastore, int Active, string Image, string Packages,
    [property: JsonPropertyName("datastore_manager")] string? DatastoreManager, IReadOnlyList<Link> Links);

internal sealed record DatastoreVersionsBody(IReadOnlyList<DatastoreVersionDocument> Versions);

internal sealed record DatastoreVersionBody(DatastoreVersionDocument Version);

/// <summary>Trove's management API body for <c>POST /mgmt/datastore-versions</c>.</summary>
internal sealed record VersionCreateBody(VersionCreate Version);

internal sealed record VersionCreate(
    string Name,
    [property: JsonPropertyName("datastore_name")] string DatastoreName,
    [property: JsonPropertyName("datastore_manager")] string DatastoreManager,
    string Image,
    string? Packages = null,
    bool Active = true,
    bool Default = false);
