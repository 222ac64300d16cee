namespace CloudBox.Core.Data;

public enum DatabaseEngine
{
    /// <summary>Embedded single-node default: one file in WAL mode under the data directory.</summary>
    Sqlite,

    /// <summary>Shared database for several nodes and HA.</summary>
    Postgres,
}
