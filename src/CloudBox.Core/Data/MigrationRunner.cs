using Dapper;
using Microsoft.Extensions.Logging;

namespace CloudBox.Core.Data;

/// <summary>
/// Applies each module's migrations in order and records them in <c>cloudbox_migrations</c>.
/// Safe to run at every start and from several nodes at once: each step and its record commit
/// together, and a step already recorded is skipped.
/// </summary>
public sealed partial class MigrationRunner(Database database, ILogger<MigrationRunner> logger)
{
    private const string CreateLedger =
        """
        CREATE TABLE IF NOT EXISTS cloudbox_migrations (
            module TEXT NOT NULL,
            version INTEGER NOT NULL,
            name TEXT NOT NULL,
            applied_at TEXT NOT NULL,
            PRIMARY KEY (module, version)
        )
        """;

    public async Task ApplyAsync(string module, IReadOnlyList<Migration> migrations, CancellationToken cancellationToken = default)
    {
        CheckOrder(module, migrations);
        await using (var connection = await database.OpenAsync(cancellationToken))
            await connection.ExecuteAsync(CreateLedger);

        foreach (var migration in migrations)
        {
            var applied = await database.InTransactionAsync(async (connection, transaction) =>
            {
                if (database.Engine == DatabaseEngine.Postgres)
                {
                    // Serialise concurrent starts of several nodes on one advisory lock per module.
                    await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtext(@module))", new { module }, transaction);
                }

                var done = await connection.ExecuteScalarAsync<long>(
                    "SELECT COUNT(*) FROM cloudbox_migrations WHERE module = @module AND version = @version",
                    new { module, version = migration.Version }, transaction);
                if (done > 0)
                    return false;

                await connection.ExecuteAsync(migration.SqlFor(database.Engine), transaction: transaction);
                await connection.ExecuteAsync(
                    "INSERT INTO cloudbox_migrations (module, version, name, applied_at) VALUES (@module, @version, @name, @at)",
                    new { module, version = migration.Version, name = migration.Name, at = DateTime.UtcNow.ToString("O") },
                    transaction);
                return true;
            }, cancellationToken);

            if (applied)
                LogApplied(module, migration.Version, migration.Name);
        }
    }

    private static void CheckOrder(string module, IReadOnlyList<Migration> migrations)
    {
        for (var i = 1; i < migrations.Count; i++)
        {
            if (migrations[i].Version <= migrations[i - 1].Version)
                throw new InvalidOperationException($"Migrations of module '{module}' are not in strictly increasing version order at '{migrations[i].Name}'.");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {Module} {Version}: {Name}")]
    private partial void LogApplied(string module, int version, string name);
}
