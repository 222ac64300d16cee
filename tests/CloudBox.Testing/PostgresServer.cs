using System.Diagnostics;
using Npgsql;

namespace CloudBox.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster for one test process, from Debian's <c>postgresql</c>
/// package: initdb into a temp directory owned by the <c>postgres</c> user, listening on
/// 127.0.0.1 at a free port, stopped when the process exits. <c>CLOUDBOX_TEST_POSTGRES</c>
/// (a connection string with the right to create databases) points at an existing server instead.
/// </summary>
public sealed class PostgresServer
{
    private static readonly Lazy<Task<PostgresServer>> SharedServer = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly string _adminConnectionString;

    private PostgresServer(string adminConnectionString) => _adminConnectionString = adminConnectionString;

    public static PostgresServerHandle Shared { get; } = new();

    /// <summary>Creates an empty database and returns a connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "cloudbox_test_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(_adminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = name }.ToString();
    }

    private static async Task<PostgresServer> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("CLOUDBOX_TEST_POSTGRES") is { Length: > 0 } external)
            return new PostgresServer(external);

        var binaries = FindBinaries();
        var root = Directory.CreateTempSubdirectory("cloudbox-pg-").FullName;
        var data = Path.Combine(root, "data");
        Run("chown", "postgres:postgres", root);
        Run("chmod", "700", root);
        Run("runuser", "-u", "postgres", "--", Path.Combine(binaries, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync");

        var port = TestPorts.Next();
        var options = $"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200";
        Run("runuser", "-u", "postgres", "--", Path.Combine(binaries, "pg_ctl"), "-D", data, "-l", Path.Combine(root, "log"), "-o", options, "-w", "-t", "60", "start");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Run("runuser", "-u", "postgres", "--", Path.Combine(binaries, "pg_ctl"), "-D", data, "-m", "immediate", "stop");
                Directory.Delete(root, recursive: true);
            }
            catch (Exception)
            {
                // Best effort at exit: a leftover temp cluster is harmless.
            }
        };

        var connectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = port, Username = "postgres", Database = "postgres", Pooling = true, MaxPoolSize = 50,
        }.ToString();
        await using var probe = new NpgsqlConnection(connectionString);
        await probe.OpenAsync();
        return new PostgresServer(connectionString);
    }

    private static string FindBinaries()
    {
        const string root = "/usr/lib/postgresql";
        if (Directory.Exists(root))
        {
            foreach (var version in Directory.GetDirectories(root).OrderByDescending(v => v, StringComparer.Ordinal))
            {
                var bin = Path.Combine(version, "bin");
                if (File.Exists(Path.Combine(bin, "initdb")))
                    return bin;
            }
        }
        throw new InvalidOperationException(
            "PostgreSQL is not installed: the PostgreSQL half of the suite needs Debian's 'postgresql' package (apt-get install postgresql), or CLOUDBOX_TEST_POSTGRES set to a server.");
    }

    private static void Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error}{output.Result}");
    }


    /// <summary>The lazily started shared server.</summary>
    public sealed class PostgresServerHandle
    {
        public async Task<string> CreateDatabaseAsync() => await (await SharedServer.Value).CreateDatabaseAsync();
    }
}
