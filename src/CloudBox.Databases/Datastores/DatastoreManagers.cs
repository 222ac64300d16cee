using CloudBox.Core.Api;

namespace CloudBox.Databases.Datastores;

/// <summary>The datastore managers the guest agent implements, and their client ports.</summary>
internal static class DatastoreManagers
{
    public const string PostgreSql = "postgresql";
    public const string MariaDb = "mariadb";
    /// <summary>Trove's manager for its MySQL family; CloudBox runs it on MariaDB (Debian's <c>default-mysql-server</c>).</summary>
    public const string MySql = "mysql";

    /// <summary>Whether <paramref name="manager"/> runs on MariaDB's engine (and its driver, port and reserved names).</summary>
    public static bool IsMariaDb(string manager) => manager is MariaDb or MySql;

    public static int Port(string manager) => manager switch
    {
        PostgreSql => 5432,
        MariaDb or MySql => 3306,
        _ => throw new ArgumentOutOfRangeException(nameof(manager), manager, "unknown datastore manager"),
    };

    public static VersionCreate Validate(VersionCreate request)
    {
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 255)
            throw ApiFault.BadRequest("A datastore version needs a name of at most 255 characters.");
        if (string.IsNullOrWhiteSpace(request.DatastoreName) || request.DatastoreName.Length > 255)
            throw ApiFault.BadRequest("A datastore version needs a datastore_name of at most 255 characters.");
        if (request.DatastoreManager is not (PostgreSql or MariaDb or MySql))
            throw ApiFault.BadRequest($"Datastore manager '{request.DatastoreManager}' is not supported; use '{PostgreSql}', '{MariaDb}' or '{MySql}'.");
        if (!Guid.TryParse(request.Image, out _))
            throw ApiFault.BadRequest("A datastore version needs the id of the image its instances boot.");
        return request;
    }
}
