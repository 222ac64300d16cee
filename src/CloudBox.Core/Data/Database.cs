using System.Data;
using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CloudBox.Core.Data;

/// <summary>
/// The one database every module shares: hands out open connections and runs units of work in
/// transactions. SQLite by default (WAL, foreign keys, busy timeout), PostgreSQL when a
/// connection string is configured.
/// </summary>
public sealed class Database : IAsyncDisposable
{
    private readonly string _connectionString;
    private readonly NpgsqlDataSource? _postgres;

    static Database()
    {
        SqlMapper.AddTypeHandler(new BooleanTypeHandler());
        DefaultTypeMap.MatchNamesWithUnderscores = true;
    }

    private Database(DatabaseEngine engine, string connectionString, NpgsqlDataSource? postgres)
    {
        Engine = engine;
        _connectionString = connectionString;
        _postgres = postgres;
    }

    public DatabaseEngine Engine { get; }

    /// <summary>The embedded database: <c>cloudbox.db</c> inside <paramref name="dataDirectory"/>.</summary>
    public static Database OpenSqlite(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataDirectory, "cloudbox.db"),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        };
        var database = new Database(DatabaseEngine.Sqlite, builder.ToString(), null);
        using var connection = new SqliteConnection(database._connectionString);
        connection.Open();
        // WAL survives a process crash with every committed transaction, and lets readers run beside the writer.
        connection.Execute("PRAGMA journal_mode=WAL;");
        return database;
    }

    public static Database OpenPostgres(string connectionString)
    {
        var dataSource = NpgsqlDataSource.Create(connectionString);
        return new Database(DatabaseEngine.Postgres, connectionString, dataSource);
    }

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        if (_postgres is not null)
            return await _postgres.OpenConnectionAsync(cancellationToken);

        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000; PRAGMA synchronous=FULL;";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction: committed when it returns, rolled back
    /// when it throws. On SQLite the transaction takes the write lock up front (BEGIN IMMEDIATE)
    /// so concurrent writers queue instead of deadlocking on lock upgrade; on PostgreSQL it is
    /// READ COMMITTED, and work that reads then writes shared rows takes <see cref="LockAsync"/>.
    /// </summary>
    public async Task<T> InTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var isolation = Engine == DatabaseEngine.Postgres ? IsolationLevel.ReadCommitted : IsolationLevel.Serializable;
        await using var transaction = await connection.BeginTransactionAsync(isolation, cancellationToken);
        var result = await work(connection, transaction);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    public Task InTransactionAsync(Func<DbConnection, DbTransaction, Task> work, CancellationToken cancellationToken = default) =>
        InTransactionAsync<bool>(async (c, t) => { await work(c, t); return true; }, cancellationToken);

    /// <summary>
    /// Serialises transactions that name the same <paramref name="key"/> until they end: a
    /// PostgreSQL advisory lock; nothing on SQLite, whose write transactions already exclude each other.
    /// </summary>
    public async Task LockAsync(DbConnection connection, DbTransaction transaction, string key)
    {
        if (Engine == DatabaseEngine.Postgres)
            await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtext(@key))", new { key }, transaction);
    }

    /// <summary>
    /// "<paramref name="column"/> is one of the list in <paramref name="parameter"/>": Dapper
    /// expands a list into <c>IN (…)</c> for SQLite but hands it to Npgsql as an array, which
    /// PostgreSQL compares with <c>= ANY(…)</c>.
    /// </summary>
    public string InList(string column, string parameter) =>
        Engine == DatabaseEngine.Postgres ? $"{column} = ANY(@{parameter})" : $"{column} IN @{parameter}";

    /// <summary>True when <paramref name="exception"/> is a unique or primary key violation, in either engine.</summary>
    public static bool IsUniqueViolation(Exception exception) => exception switch
    {
        SqliteException sqlite => sqlite.SqliteErrorCode == 19 && sqlite.SqliteExtendedErrorCode is 2067 or 1555,
        PostgresException postgres => postgres.SqlState == PostgresErrorCodes.UniqueViolation,
        _ => false,
    };

    public async ValueTask DisposeAsync()
    {
        if (_postgres is not null)
            await _postgres.DisposeAsync();
        else
            SqliteConnection.ClearAllPools();
    }

    /// <summary>SQLite hands booleans back as integers; PostgreSQL as booleans. Both map to bool.</summary>
    private sealed class BooleanTypeHandler : SqlMapper.TypeHandler<bool>
    {
        public override bool Parse(object value) => value switch
        {
            bool b => b,
            long l => l != 0,
            int i => i != 0,
            _ => Convert.ToBoolean(value, System.Globalization.CultureInfo.InvariantCulture),
        };

        public override void SetValue(IDbDataParameter parameter, bool value) => parameter.Value = value;
    }
}
