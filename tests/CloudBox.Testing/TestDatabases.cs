using CloudBox.Core.Data;

namespace CloudBox.Testing;

/// <summary>Fresh, empty databases of either engine for tests.</summary>
public static class TestDatabases
{
    public static async Task<Database> OpenAsync(DatabaseEngine engine) => engine switch
    {
        DatabaseEngine.Sqlite => Database.OpenSqlite(Directory.CreateTempSubdirectory("cloudbox-sqlite-").FullName),
        _ => Database.OpenPostgres(await PostgresServer.Shared.CreateDatabaseAsync()),
    };
}
