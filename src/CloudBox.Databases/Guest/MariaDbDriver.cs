using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using CloudBox.Databases.Agent;
using CloudBox.Databases.Api;

namespace CloudBox.Databases.Guest;

/// <summary>
/// MariaDB under the guest agent: a private <c>mariadbd</c> the agent starts itself (not the system
/// service) on the data volume's directory, its own <c>my.cnf</c> there, its socket in a private
/// directory beside the data. The agent works as <c>root@localhost</c>, which authenticates by the
/// socket's peer (only root in the guest); users are <c>name@'%'</c> with passwords, and reach a
/// database only by a grant. SQL goes through Debian's <c>mariadb</c> client on stdin, so no
/// password ever shows on a command line.
/// </summary>
internal sealed partial class MariaDbDriver(AgentConfig config) : DatastoreDriver
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    /// <summary>The databases and accounts of MariaDB itself, never listed or touched as the user's.</summary>
    private static readonly HashSet<string> SystemDatabases = new(StringComparer.OrdinalIgnoreCase) { "mysql", "information_schema", "performance_schema", "sys" };

    private string DataDirectory => Path.Combine(config.DataDir, "mysql");
    private string RunDirectory => Path.Combine(config.DataDir, "run");
    private string SocketPath => Path.Combine(RunDirectory, "mysqld.sock");
    private string PidFile => Path.Combine(RunDirectory, "mysqld.pid");
    private string ConfigFile => Path.Combine(config.DataDir, "my.cnf");
    /// <summary>Configuration groups' values (<c>apply_configuration</c>) go here, included by <see cref="ConfigFile"/>.</summary>
    internal string IncludeDirectory => Path.Combine(config.DataDir, "conf.d");
    private string LogFile => Path.Combine(config.DataDir, "mariadb.log");
    protected override string Product => "MariaDB";

    protected override bool Prepared => Directory.Exists(Path.Combine(DataDirectory, "mysql"));

    /// <summary>mariadbd will not run as root: started by root (the agent in the guest) it runs as <c>mysql</c>.</summary>
    private static string? ServerUser => Environment.UserName == "root" ? "mysql" : null;

    /// <summary>The account the agent logs in as over the socket: the OS user's own, created by mariadb-install-db with unix_socket authentication.</summary>
    private static string AdminUser => Environment.UserName;

    [GeneratedRegex("^[A-Za-z0-9_]{1,64}$")]
    private static partial Regex CharsetPattern();

    public override async Task<string> StatusAsync(CancellationToken cancellationToken)
    {
        if (!Prepared)
            return "new";
        if (!File.Exists(SocketPath))
            return "shutdown";
        try
        {
            await QueryAsync("SELECT 1", cancellationToken);
            return "running";
        }
        catch (InvalidOperationException)
        {
            return "shutdown";
        }
    }

    /// <summary>A restore puts the backup in place first; an initial configuration is written before the first start, so it is in effect from it.</summary>
    protected override async Task PrepareAsync(TaskPayload payload, CancellationToken cancellationToken)
    {
        if (payload.Backup is { } restore)
            await RestoreAsync(restore, cancellationToken);
        if (payload.Configuration is { Count: > 0 } initialConfiguration)
            await WriteConfigurationAsync(initialConfiguration, cancellationToken);
        await InitialiseAsync(cancellationToken);
    }

    protected override async Task RestartAsync(CancellationToken cancellationToken)
    {
        await StopAsync(cancellationToken);
        await StartAsync(cancellationToken);
    }

    protected override Task DeleteDatabaseAsync(string database, CancellationToken cancellationToken) =>
        ExecuteAsync($"DROP DATABASE IF EXISTS {Quote(database)}", cancellationToken);

    protected override Task DeleteUserAsync(string user, CancellationToken cancellationToken) =>
        ExecuteAsync($"DROP USER IF EXISTS {Account(user)}", cancellationToken);

    protected override async Task RevokeAsync(string user, string database, CancellationToken cancellationToken)
    {
        if ((await AccessAsync(user, cancellationToken)).Contains(database))
            await ExecuteAsync($"REVOKE ALL PRIVILEGES ON {GrantTarget(database)} FROM {Account(user)}", cancellationToken);
    }

    /// <summary>Trove's MySQL family: root@'%' with a fresh password and every privilege; root@localhost stays the agent's.</summary>
    protected override async Task<UserRef> EnableRootAsync(string password, CancellationToken cancellationToken)
    {
        await ExecuteAsync($"CREATE USER IF NOT EXISTS {Account("root")} IDENTIFIED BY {Literal(password)};\n" +
                           $"ALTER USER {Account("root")} IDENTIFIED BY {Literal(password)};\n" +
                           $"GRANT ALL PRIVILEGES ON *.* TO {Account("root")} WITH GRANT OPTION", cancellationToken);
        return new UserRef("root");
    }

    protected override Task DisableRootAsync(CancellationToken cancellationToken) =>
        ExecuteAsync($"DROP USER IF EXISTS {Account("root")}", cancellationToken);

    private async Task InitialiseAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(config.DataDir);
        Directory.CreateDirectory(RunDirectory);
        Directory.CreateDirectory(IncludeDirectory);
        await File.WriteAllTextAsync(ConfigFile,
            "# Written by cloudbox guest-agent\n" +
            "[client]\n" +
            $"socket = {SocketPath}\n" +
            "[mariadbd]\n" +
            $"datadir = {DataDirectory}\n" +
            $"socket = {SocketPath}\n" +
            $"pid-file = {PidFile}\n" +
            $"port = {config.Port}\n" +
            $"bind-address = {config.ListenAddress}\n" +
            $"log-error = {LogFile}\n" +
            "skip-name-resolve\n" +
            "character-set-server = utf8mb4\n" +
            "collation-server = utf8mb4_general_ci\n" +
            $"!includedir {IncludeDirectory}\n", cancellationToken);
        if (ServerUser is { } user)
            await ProcessRunner.RunAsync(null, "chown", ["-R", $"{user}:{user}", config.DataDir], ToolTimeout, cancellationToken);
        if (!Prepared)
        {
            // mariadb-install-db into a scratch directory renamed into place: a crash in the middle leaves nothing that looks prepared.
            var scratch = DataDirectory + ".install";
            if (Directory.Exists(scratch))
                Directory.Delete(scratch, recursive: true);
            List<string> arguments = [$"--defaults-file={ConfigFile}", $"--datadir={scratch}", "--auth-root-authentication-method=socket", "--skip-test-db"];
            if (ServerUser is { } owner)
                arguments.Add($"--user={owner}");
            await ProcessRunner.RunAsync(null, "mariadb-install-db", arguments, ToolTimeout, cancellationToken);
            Directory.Move(scratch, DataDirectory);
        }
        if (await StatusAsync(cancellationToken) != "running")
            await StartAsync(cancellationToken);
        // mariadb-install-db makes anonymous accounts; with them around, a user's login could match the wrong account.
        foreach (var host in await QueryAsync("SELECT host FROM mysql.user WHERE user = ''", cancellationToken))
            await ExecuteAsync($"DROP USER IF EXISTS ''@{Literal(host[0])}", cancellationToken);
    }

    private const string ConfigurationFile = "cloudbox-configuration.cnf";

    /// <summary>A configuration group's values in their own file under conf.d (read at every start); an empty set removes them.</summary>
    private async Task WriteConfigurationAsync(IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(IncludeDirectory);
        var text = new StringBuilder("# Written by cloudbox guest-agent: the instance's configuration group\n[mariadbd]\n");
        foreach (var (name, value) in values)
        {
            if (!name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_') || value.Any(c => c is '\n' or '\r' or '#' or '\''))
                throw new InvalidOperationException($"'{name}' = '{value}' is not a parameter setting.");
            text.Append($"{name} = {value}\n");
        }
        var path = Path.Combine(IncludeDirectory, ConfigurationFile);
        await File.WriteAllTextAsync(path + ".new", text.ToString(), cancellationToken);
        File.Move(path + ".new", path, overwrite: true);
    }

    /// <summary>Writes the values for the next start and sets those MariaDB can change at run time now (SET GLOBAL).</summary>
    protected override async Task ApplyConfigurationAsync(IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken)
    {
        await WriteConfigurationAsync(values, cancellationToken);
        if (await StatusAsync(cancellationToken) != "running")
            return;
        var dynamic = Configurations.ParameterSchema.For(config.Manager).Where(p => !p.RestartRequired).ToDictionary(p => p.Name, p => p.Type, StringComparer.Ordinal);
        foreach (var (name, value) in values)
        {
            if (!dynamic.TryGetValue(name, out var type))
                continue;
            var literal = type switch
            {
                "integer" or "float" => value,
                "boolean" => value == "on" ? "ON" : "OFF",
                _ => Literal(value),
            };
            await ExecuteAsync($"SET GLOBAL {name} = {literal}", cancellationToken);
        }
    }

    protected override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (File.Exists(SocketPath) && !ProcessAlive())
            File.Delete(SocketPath);
        var start = new ProcessStartInfo { FileName = "mariadbd", UseShellExecute = false };
        start.ArgumentList.Add($"--defaults-file={ConfigFile}");
        if (ServerUser is { } user)
            start.ArgumentList.Add($"--user={user}");
        // Not redirected: the server outlives an agent that crashes, and logs to its own file.
        using var process = Process.Start(start) ?? throw new InvalidOperationException("mariadbd could not be started");
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await StatusAsync(cancellationToken) == "running")
                return;
            if (process.HasExited)
                throw new InvalidOperationException($"mariadbd stopped at start (exit {process.ExitCode}): {LastLog()}");
            await Task.Delay(200, cancellationToken);
        }
        throw new InvalidOperationException($"mariadbd did not accept connections within {StartTimeout.TotalSeconds:0} s: {LastLog()}");
    }

    /// <summary>Stops the server (a clean shutdown, waited for); nothing to do when it is not running.</summary>
    internal async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!ProcessAlive())
            return;
        var pid = ReadPid();
        try
        {
            await ExecuteAsync("SHUTDOWN", cancellationToken);
        }
        catch (InvalidOperationException)
        {
            if (pid is { } id)
                Process.GetProcessById(id).Kill();
        }
        var deadline = DateTime.UtcNow + StartTimeout;
        while (pid is { } id && Alive(id))
        {
            if (DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"mariadbd (pid {id}) did not stop within {StartTimeout.TotalSeconds:0} s");
            await Task.Delay(100, cancellationToken);
        }
    }

    private int? ReadPid() =>
        File.Exists(PidFile) && int.TryParse(File.ReadAllText(PidFile).Trim(), out var pid) ? pid : null;

    private bool ProcessAlive() => ReadPid() is { } pid && Alive(pid);

    private static bool Alive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited && File.Exists($"/proc/{pid}/status") && !File.ReadAllText($"/proc/{pid}/status").Contains("State:\tZ", StringComparison.Ordinal);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private string LastLog()
    {
        if (!File.Exists(LogFile))
            return "no log";
        var text = File.ReadAllText(LogFile).Trim();
        return text.Length > 400 ? text[^400..] : text;
    }

    protected override async Task CreateDatabasesAsync(IReadOnlyList<DatabaseRef> databases, CancellationToken cancellationToken)
    {
        foreach (var database in databases)
        {
            var sql = new StringBuilder($"CREATE DATABASE IF NOT EXISTS {Quote(database.Name)}");
            if (database.CharacterSet is { } charset && CharsetPattern().IsMatch(charset))
                sql.Append($" CHARACTER SET {charset}");
            if (database.Collate is { } collate && CharsetPattern().IsMatch(collate))
                sql.Append($" COLLATE {collate}");
            await ExecuteAsync(sql.ToString(), cancellationToken);
        }
    }

    protected override async Task CreateUsersAsync(IReadOnlyList<UserRef> users, CancellationToken cancellationToken)
    {
        foreach (var user in users)
        {
            await ExecuteAsync($"CREATE USER IF NOT EXISTS {Account(user.Name)} IDENTIFIED BY {Literal(user.Password!)};\n" +
                               $"ALTER USER {Account(user.Name)} IDENTIFIED BY {Literal(user.Password!)}", cancellationToken);
            foreach (var database in user.Databases ?? [])
                await GrantAsync(user.Name, database.Name, cancellationToken);
        }
    }

    protected override async Task GrantAsync(string user, string database, CancellationToken cancellationToken)
    {
        if (!(await DatabasesAsync(cancellationToken)).Any(d => d.Name == database))
            throw new InvalidOperationException($"Database {database} does not exist.");
        await ExecuteAsync($"GRANT ALL PRIVILEGES ON {GrantTarget(database)} TO {Account(user)}", cancellationToken);
    }

    protected override async Task UpdateUserAsync(string user, string? password, string? newName, CancellationToken cancellationToken)
    {
        await RequireUserAsync(user, cancellationToken);
        if (password is not null)
            await ExecuteAsync($"ALTER USER {Account(user)} IDENTIFIED BY {Literal(password)}", cancellationToken);
        if (newName is not null && newName != user)
            await ExecuteAsync($"RENAME USER {Account(user)} TO {Account(newName)}", cancellationToken);
    }

    protected override async Task RequireUserAsync(string user, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync($"SELECT COUNT(*) FROM mysql.user WHERE user = {Literal(user)} AND host = '%'", cancellationToken);
        if (rows.Count == 0 || rows[0][0] == "0")
            throw new InvalidOperationException($"User {user} does not exist.");
    }

    protected override async Task<IReadOnlyList<DatabaseRef>> DatabasesAsync(CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(
            "SELECT schema_name, default_character_set_name, default_collation_name FROM information_schema.schemata ORDER BY schema_name", cancellationToken);
        return rows.Where(r => !SystemDatabases.Contains(r[0])).Select(r => new DatabaseRef(r[0], r[1], r[2])).ToList();
    }

    /// <summary>The databases <paramref name="user"/>@'%' holds a database-level grant on (grant patterns unescaped).</summary>
    private async Task<HashSet<string>> AccessAsync(string user, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync($"SELECT db FROM mysql.db WHERE user = {Literal(user)} AND host = '%'", cancellationToken);
        return rows.Select(r => r[0].Replace("\\_", "_", StringComparison.Ordinal).Replace("\\%", "%", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
    }

    protected override async Task<IReadOnlyList<UserRef>> UsersAsync(CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(
            "SELECT u.user, d.db FROM mysql.user u LEFT JOIN mysql.db d ON d.user = u.user AND d.host = u.host " +
            "WHERE u.host = '%' AND u.user NOT IN ('', 'root', 'mysql', 'mariadb.sys') AND u.is_role = 'N' ORDER BY u.user, d.db", cancellationToken);
        var users = new Dictionary<string, List<DatabaseRef>>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (!users.TryGetValue(row[0], out var databases))
                users[row[0]] = databases = [];
            if (row[1] != "NULL")
                databases.Add(new DatabaseRef(row[1].Replace("\\_", "_", StringComparison.Ordinal)));
        }
        return users.Select(u => new UserRef(u.Key, Host: "%", Databases: u.Value)).ToList();
    }

    protected override string Manager => config.Manager;

    protected override async Task<IReadOnlyDictionary<string, string>> ConfigurationValuesAsync(IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync("SELECT LOWER(variable_name), variable_value FROM information_schema.global_variables WHERE LOWER(variable_name) IN (" +
                                    string.Join(", ", names.Select(Literal)) + ")", cancellationToken);
        var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var row in rows)
            values[row[0]] = row.Length > 1 ? row[1] : "";
        return values;
    }

    private Task ExecuteAsync(string sql, CancellationToken cancellationToken) => QueryAsync(sql, cancellationToken);

    /// <summary>Runs <paramref name="sql"/> (statements separated by ';') as the agent's account; the rows of the last result, tab-separated.</summary>
    internal async Task<List<string[]>> QueryAsync(string sql, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo
        {
            FileName = "mariadb",
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--no-defaults", $"--socket={SocketPath}", $"--user={AdminUser}", "--batch", "--raw", "--skip-column-names", "--connect-timeout=5" })
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("the mariadb client could not be started");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardInput.WriteAsync(sql.AsMemory(), cancellationToken);
        await process.StandardInput.WriteAsync(";\n".AsMemory(), cancellationToken);
        process.StandardInput.Close();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(ToolTimeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"the mariadb client did not finish within {ToolTimeout.TotalSeconds:0} s");
        }
        var output = await stdout;
        var error = (await stderr).Trim();
        if (process.ExitCode != 0)
            throw new InvalidOperationException(error.Length > 0 ? error : $"the mariadb client failed (exit {process.ExitCode})");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('\t')).ToList();
    }

    private static string Account(string user) => $"{Literal(user)}@'%'";

    /// <summary>A database as a grant's target: '_' and '%' are wildcards there, so they are escaped.</summary>
    private static string GrantTarget(string database) =>
        Quote(database.Replace("_", "\\_", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal)) + ".*";

    /// <summary>An identifier in backquotes (names are checked by the API; this keeps them identifiers whatever they hold).</summary>
    private static string Quote(string identifier) => "`" + identifier.Replace("`", "``", StringComparison.Ordinal) + "`";

    /// <summary>A string literal: backslashes and quotes escaped (MariaDB's default sql_mode treats '\' as an escape).</summary>
    private static string Literal(string value) => "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'";
}
