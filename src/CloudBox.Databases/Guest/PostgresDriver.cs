using CloudBox.Databases.Agent;
using CloudBox.Databases.Api;
using Npgsql;

namespace CloudBox.Databases.Guest;

/// <summary>
/// PostgreSQL under the guest agent: a cluster in the data volume's directory, its socket in a private
/// directory beside it (trusted locally: only root and <c>postgres</c> can reach it), password
/// (SCRAM) authentication over TCP. Users get access to a database only by a grant: <c>CONNECT</c> is
/// taken from <c>PUBLIC</c> on every database the agent creates.
/// </summary>
internal sealed partial class PostgresDriver(AgentConfig config) : DatastoreDriver
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(5);

    private string ClusterDirectory => Path.Combine(config.DataDir, "pgdata");
    private string SocketDirectory => Path.Combine(config.DataDir, "run");
    private string LogFile => Path.Combine(config.DataDir, "postgresql.log");
    protected override string Product => "PostgreSQL";

    protected override bool Prepared => File.Exists(Path.Combine(ClusterDirectory, "PG_VERSION"));

    /// <summary>initdb and pg_ctl refuse to run as root: the agent (root in the guest) runs them as <c>postgres</c>.</summary>
    private static string? ToolUser => Environment.UserName == "root" ? "postgres" : null;

    private string Tool(string name)
    {
        var directory = config.BinDir ?? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => Version.TryParse(Path.GetFileName(d), out var v) ? v : new Version(0, 0)).Select(d => Path.Combine(d, "bin")).FirstOrDefault()
            ?? throw new InvalidOperationException("PostgreSQL's binaries are not installed (no /usr/lib/postgresql/*/bin)");
        return Path.Combine(directory, name);
    }

    public override async Task<string> StatusAsync(CancellationToken cancellationToken)
    {
        if (!Prepared)
            return "new";
        try
        {
            await using var connection = await OpenAsync("postgres", cancellationToken);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return "running";
        }
        catch (Exception error) when (error is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            return "shutdown";
        }
    }

    /// <summary>A restore puts the backup in place first; an initial configuration is written and the cluster restarted for it.</summary>
    protected override async Task PrepareAsync(TaskPayload payload, CancellationToken cancellationToken)
    {
        if (payload.Backup is { } restore)
            await RestoreAsync(restore, cancellationToken);
        await InitialiseAsync(cancellationToken);
        if (payload.Configuration is { Count: > 0 } initialConfiguration)
        {
            await ApplyConfigurationAsync(initialConfiguration, cancellationToken);
            await RestartAsync(cancellationToken);
        }
    }

    private async Task InitialiseAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(config.DataDir);
        Directory.CreateDirectory(SocketDirectory);
        File.SetUnixFileMode(SocketDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (ToolUser is { } user)
        {
            await ProcessRunner.RunAsync(null, "chown", ["-R", $"{user}:{user}", config.DataDir], ToolTimeout, cancellationToken);
        }
        if (!Prepared)
        {
            // initdb into a scratch directory renamed into place: a crash in the middle leaves no half cluster that looks prepared.
            var scratch = ClusterDirectory + ".initdb";
            if (Directory.Exists(scratch))
                Directory.Delete(scratch, recursive: true);
            await ProcessRunner.RunAsync(ToolUser, Tool("initdb"),
                ["-D", scratch, "-U", "postgres", "-E", "UTF8", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-instructions"], ToolTimeout, cancellationToken);
            await File.AppendAllTextAsync(Path.Combine(scratch, "postgresql.conf"),
                $"\n# Written by cloudbox guest-agent\nlisten_addresses = '{config.ListenAddress}'\nport = {config.Port}\n" +
                $"unix_socket_directories = '{SocketDirectory}'\npassword_encryption = 'scram-sha-256'\n", cancellationToken);
            await File.AppendAllTextAsync(Path.Combine(scratch, "pg_hba.conf"),
                "\n# Written by cloudbox guest-agent: users log in with their passwords from anywhere the security group lets through.\n" +
                "host all all 0.0.0.0/0 scram-sha-256\nhost all all ::/0 scram-sha-256\n", cancellationToken);
            Directory.Move(scratch, ClusterDirectory);
        }
        if (await StatusAsync(cancellationToken) != "running")
            await StartAsync(cancellationToken);
    }

    protected override Task RestartAsync(CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync(ToolUser, Tool("pg_ctl"), ["-D", ClusterDirectory, "-l", LogFile, "-w", "-m", "fast", "restart"], ToolTimeout, cancellationToken);

    private const string ConfigurationFile = "cloudbox-configuration.conf";

    /// <summary>
    /// Writes a configuration group's values to their own file, included by postgresql.conf, and reloads:
    /// the values a reload applies take effect now, the others (max_connections, shared_buffers) at the
    /// next restart. An empty set removes them all.
    /// </summary>
    protected override async Task ApplyConfigurationAsync(IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken)
    {
        var include = $"include_if_exists = '{ConfigurationFile}'";
        var main = Path.Combine(ClusterDirectory, "postgresql.conf");
        if (!(await File.ReadAllTextAsync(main, cancellationToken)).Contains(include, StringComparison.Ordinal))
            await File.AppendAllTextAsync(main, $"\n# Written by cloudbox guest-agent: the instance's configuration group\n{include}\n", cancellationToken);
        var text = new System.Text.StringBuilder("# Written by cloudbox guest-agent: the instance's configuration group\n");
        foreach (var (name, value) in values)
        {
            if (!name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
                throw new InvalidOperationException($"'{name}' is not a parameter name.");
            text.Append($"{name} = {Literal(value)}\n");
        }
        var path = Path.Combine(ClusterDirectory, ConfigurationFile);
        await File.WriteAllTextAsync(path + ".new", text.ToString(), cancellationToken);
        File.Move(path + ".new", path, overwrite: true);
        if (await StatusAsync(cancellationToken) == "running")
            await ExecuteAsync("postgres", "SELECT pg_reload_conf()", cancellationToken);
    }

    protected override Task StartAsync(CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync(ToolUser, Tool("pg_ctl"), ["-D", ClusterDirectory, "-l", LogFile, "-w", "-t", "120", "start"], ToolTimeout, cancellationToken);

    protected override async Task CreateDatabasesAsync(IReadOnlyList<DatabaseRef> databases, CancellationToken cancellationToken)
    {
        var existing = await DatabaseNamesAsync(cancellationToken);
        foreach (var database in databases)
        {
            if (!existing.Contains(database.Name))
                await ExecuteAsync("postgres", $"CREATE DATABASE {Quote(database.Name)} ENCODING 'UTF8'", cancellationToken);
            await ExecuteAsync("postgres", $"REVOKE CONNECT ON DATABASE {Quote(database.Name)} FROM PUBLIC", cancellationToken);
        }
    }

    protected override async Task CreateUsersAsync(IReadOnlyList<UserRef> users, CancellationToken cancellationToken)
    {
        foreach (var user in users)
        {
            var exists = await RoleExistsAsync(user.Name, cancellationToken);
            await ExecuteAsync("postgres", exists
                ? $"ALTER ROLE {Quote(user.Name)} WITH LOGIN PASSWORD {Literal(user.Password!)}"
                : $"CREATE ROLE {Quote(user.Name)} WITH LOGIN PASSWORD {Literal(user.Password!)}", cancellationToken);
            foreach (var database in user.Databases ?? [])
                await GrantAsync(user.Name, database.Name, cancellationToken);
        }
    }

    protected override async Task GrantAsync(string user, string database, CancellationToken cancellationToken)
    {
        if (!(await DatabaseNamesAsync(cancellationToken)).Contains(database))
            throw new InvalidOperationException($"Database {database} does not exist.");
        await ExecuteAsync("postgres", $"GRANT ALL PRIVILEGES ON DATABASE {Quote(database)} TO {Quote(user)}", cancellationToken);
        await ExecuteAsync(database, $"GRANT ALL ON SCHEMA public TO {Quote(user)}", cancellationToken);
    }

    protected override async Task UpdateUserAsync(string user, string? password, string? newName, CancellationToken cancellationToken)
    {
        await RequireUserAsync(user, cancellationToken);
        if (password is not null)
            await ExecuteAsync("postgres", $"ALTER ROLE {Quote(user)} WITH PASSWORD {Literal(password)}", cancellationToken);
        if (newName is not null && newName != user)
            await ExecuteAsync("postgres", $"ALTER ROLE {Quote(user)} RENAME TO {Quote(newName)}", cancellationToken);
    }

    protected override async Task DeleteUserAsync(string user, CancellationToken cancellationToken)
    {
        if (!await RoleExistsAsync(user, cancellationToken))
            return;
        foreach (var database in await DatabaseNamesAsync(cancellationToken))
        {
            await ExecuteAsync(database, $"REASSIGN OWNED BY {Quote(user)} TO postgres", cancellationToken);
            await ExecuteAsync(database, $"DROP OWNED BY {Quote(user)}", cancellationToken);
        }
        await ExecuteAsync("postgres", $"DROP ROLE IF EXISTS {Quote(user)}", cancellationToken);
    }

    protected override async Task RequireUserAsync(string user, CancellationToken cancellationToken)
    {
        if (!await RoleExistsAsync(user, cancellationToken))
            throw new InvalidOperationException($"User {user} does not exist.");
    }

    private async Task<bool> RoleExistsAsync(string user, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync("postgres", cancellationToken);
        await using var command = new NpgsqlCommand("SELECT COUNT(*) FROM pg_roles WHERE rolname = @user", connection);
        command.Parameters.AddWithValue("user", user);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))! > 0;
    }

    private async Task<HashSet<string>> DatabaseNamesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync("postgres", cancellationToken);
        await using var command = new NpgsqlCommand("SELECT datname FROM pg_database WHERE NOT datistemplate AND datname <> 'postgres'", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
            names.Add(reader.GetString(0));
        return names;
    }

    protected override string Manager => config.Manager;

    protected override async Task<IReadOnlyDictionary<string, string>> ConfigurationValuesAsync(IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync("postgres", cancellationToken);
        await using var command = new NpgsqlCommand("SELECT name, setting FROM pg_settings WHERE name = ANY(@names) ORDER BY name", connection);
        command.Parameters.AddWithValue("names", names.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
            values[reader.GetString(0)] = reader.GetString(1);
        return values;
    }

    protected override async Task<IReadOnlyList<UserRef>> UsersAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync("postgres", cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT r.rolname, d.datname FROM pg_roles r LEFT JOIN pg_database d ON NOT d.datistemplate AND d.datname <> 'postgres' " +
            "AND has_database_privilege(r.rolname, d.datname, 'CONNECT') " +
            "WHERE r.rolcanlogin AND r.rolname <> 'postgres' AND r.rolname NOT LIKE 'pg\\_%' ORDER BY r.rolname, d.datname", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var users = new Dictionary<string, List<DatabaseRef>>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            var name = reader.GetString(0);
            if (!users.TryGetValue(name, out var databases))
                users[name] = databases = [];
            if (!reader.IsDBNull(1))
                databases.Add(new DatabaseRef(reader.GetString(1)));
        }
        return users.Select(u => new UserRef(u.Key, Host: "%", Databases: u.Value)).ToList();
    }

    protected override async Task<IReadOnlyList<DatabaseRef>> DatabasesAsync(CancellationToken cancellationToken) =>
        [.. (await DatabaseNamesAsync(cancellationToken)).Select(d => new DatabaseRef(d))];

    protected override Task DeleteDatabaseAsync(string database, CancellationToken cancellationToken) =>
        ExecuteAsync("postgres", $"DROP DATABASE IF EXISTS {Quote(database)} WITH (FORCE)", cancellationToken);

    protected override async Task RevokeAsync(string user, string database, CancellationToken cancellationToken)
    {
        if ((await DatabaseNamesAsync(cancellationToken)).Contains(database))
            await ExecuteAsync("postgres", $"REVOKE ALL PRIVILEGES ON DATABASE {Quote(database)} FROM {Quote(user)}", cancellationToken);
    }

    protected override async Task<UserRef> EnableRootAsync(string password, CancellationToken cancellationToken)
    {
        await ExecuteAsync("postgres", $"ALTER ROLE postgres WITH LOGIN PASSWORD {Literal(password)}", cancellationToken);
        return new UserRef("postgres");
    }

    protected override Task DisableRootAsync(CancellationToken cancellationToken) =>
        ExecuteAsync("postgres", "ALTER ROLE postgres WITH PASSWORD NULL", cancellationToken);

    private async Task ExecuteAsync(string database, string sql, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(database, cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<NpgsqlConnection> OpenAsync(string database, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
        {
            Host = SocketDirectory,
            Port = config.Port,
            Username = "postgres",
            Database = database,
            Pooling = false,
            Timeout = 5,
        }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    /// <summary>An identifier, double-quoted (names are checked by the API, this keeps them identifiers whatever they hold).</summary>
    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";

    /// <summary>A string literal (standard_conforming_strings is on in every supported PostgreSQL).</summary>
    private static string Literal(string value) => "'" + value.Replace("'", "''") + "'";
}
