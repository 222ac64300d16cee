using CloudBox.Core.Data;
using CloudBox.Core.Modules;
using Dapper;

namespace CloudBox.Hosting;

/// <summary>
/// Refuses a database whose schema is newer than this binary: a migration recorded in
/// <c>cloudbox_migrations</c> that none of this binary's modules knows means a newer CloudBox has
/// run on it, and an older one would misread its tables.
/// </summary>
internal static class SchemaGuard
{
    private sealed class Applied
    {
        public string Module { get; set; } = "";
        public long Version { get; set; }
        public string Name { get; set; } = "";
    }

    /// <summary>True when the database has the migration ledger, i.e. some CloudBox has created a cloud in it.</summary>
    public static async Task<bool> HasCloudAsync(Database database, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var sql = database.Engine == DatabaseEngine.Postgres
            ? "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'cloudbox_migrations' AND table_schema = current_schema()"
            : "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'cloudbox_migrations'";
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(sql, cancellationToken: cancellationToken)) > 0;
    }

    public static async Task RefuseNewerSchemaAsync(Database database, IEnumerable<ICloudModule> modules, string version, CancellationToken cancellationToken)
    {
        if (!await HasCloudAsync(database, cancellationToken))
            return;
        var known = modules.SelectMany(m => m.Migrations.Select(x => (m.Name, (long)x.Version))).ToHashSet();
        await using var connection = await database.OpenAsync(cancellationToken);
        var applied = await connection.QueryAsync<Applied>(new CommandDefinition(
            "SELECT module AS Module, version AS Version, name AS Name FROM cloudbox_migrations ORDER BY module, version", cancellationToken: cancellationToken));
        var unknown = applied.Where(a => !known.Contains((a.Module, a.Version))).ToList();
        if (unknown.Count > 0)
        {
            var first = unknown[0];
            throw new StartupException(
                $"the database was upgraded by a newer CloudBox ({unknown.Count} migration(s) this version {version} does not know, first {first.Module} {first.Version} '{first.Name}'), run that newer cloudbox or restore a backup made by this version");
        }
    }
}
