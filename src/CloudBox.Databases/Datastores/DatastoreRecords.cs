namespace CloudBox.Databases.Datastores;

/// <summary>A row of <c>databases_datastores</c>: a database engine offered to users (postgresql, mariadb).</summary>
internal sealed class DatastoreRecord
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string? DefaultVersionId { get; set; }
}

/// <summary>A row of <c>databases_versions</c>: one version of a datastore, the image its instances boot and the agent's manager for it.</summary>
internal sealed class DatastoreVersionRecord
{
    public string Id { get; set; } = "";
    public string DatastoreId { get; set; } = "";
    public string Name { get; set; } = "";
    public string Manager { get; set; } = "";
    public string ImageId { get; set; } = "";
    public string Packages { get; set; } = "";
    public bool Active { get; set; }
}
