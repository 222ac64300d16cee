using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudBox.Databases.Agent;
using CloudBox.Databases.Api;
using CloudBox.Databases.Datastores;

namespace CloudBox.Databases.Guest;

/// <summary>
/// <c>cloudbox guest-agent</c>: runs in a database instance's guest (or, where guests cannot run user
/// space, on the host in a network namespace), keeps its datastore, reports heartbeats and carries out
/// the tasks CloudBox queues for it, over <see cref="AgentProtocol"/>. It keeps no state of its own
/// beyond the datastore: after a crash it starts the datastore again and asks for the next task.
/// </summary>
internal sealed class GuestAgent(AgentConfig config, DatastoreDriver driver, HttpClient http, TextWriter log)
{
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(10);

    public const string Usage =
        """
        usage: cloudbox guest-agent --config FILE
               cloudbox guest-agent --url URL --instance ID --secret SECRET --manager postgresql|mariadb --data-dir DIR [--port N] [--listen ADDRESS] [--bin-dir DIR]

        Runs a database instance's agent: keeps its datastore on DIR, reports to CloudBox at URL (by
        default from /etc/cloudbox/guest-agent.json, which CloudBox writes into the guest) and carries
        out the tasks CloudBox queues for the instance (databases, users, root, restart).
        """;

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        if (args.Any(a => a is "--help" or "-h"))
        {
            Console.WriteLine(Usage);
            return 0;
        }
        AgentConfig config;
        try
        {
            config = ParseArguments(args);
        }
        catch (ArgumentException error)
        {
            await Console.Error.WriteLineAsync($"cloudbox guest-agent: {error.Message}\n{Usage}");
            return 2;
        }
        DatastoreDriver driver = config.Manager switch
        {
            DatastoreManagers.PostgreSql => new PostgresDriver(config),
            DatastoreManagers.MariaDb or DatastoreManagers.MySql => new MariaDbDriver(config),
            _ => throw new NotSupportedException(),
        };
        using var http = new HttpClient { BaseAddress = new Uri(config.Url.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Add(AgentProtocol.SecretHeader, config.Secret);
        await new GuestAgent(config, driver, http, Console.Error).RunLoopAsync(cancellationToken);
        return 0;
    }

    internal static AgentConfig ParseArguments(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                throw new ArgumentException($"unexpected argument '{args[i]}'");
            values[args[i][2..]] = args[++i];
        }
        AgentConfig? config = null;
        var file = values.GetValueOrDefault("config") ?? (values.ContainsKey("url") ? null : "/etc/cloudbox/guest-agent.json");
        if (file is not null)
        {
            if (!File.Exists(file))
                throw new ArgumentException($"no configuration at {file}");
            config = JsonSerializer.Deserialize(File.ReadAllText(file), TroveJson.Default.AgentConfig)
                ?? throw new ArgumentException($"{file} holds no configuration");
        }
        string Required(string name) => values.GetValueOrDefault(name) ?? throw new ArgumentException($"--{name} is required");
        config ??= new AgentConfig(Required("url"), Required("instance"), Required("secret"), Required("manager"), Required("data-dir"),
            values.TryGetValue("port", out var port) ? int.Parse(port, System.Globalization.CultureInfo.InvariantCulture) : 0);
        if (config.Manager is not (DatastoreManagers.PostgreSql or DatastoreManagers.MariaDb or DatastoreManagers.MySql))
            throw new ArgumentException($"datastore manager '{config.Manager}' is not supported by this agent (postgresql, mariadb, mysql)");
        return config with
        {
            Port = config.Port > 0 ? config.Port : DatastoreManagers.Port(config.Manager),
            ListenAddress = values.GetValueOrDefault("listen") ?? config.ListenAddress,
            BinDir = values.GetValueOrDefault("bin-dir") ?? config.BinDir,
        };
    }

    public async Task RunLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await driver.StartIfPreparedAsync(cancellationToken);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            await log.WriteLineAsync($"guest-agent: the datastore did not start: {error.Message}");
        }
        var heartbeats = HeartbeatLoopAsync(cancellationToken);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using var response = await http.GetAsync($"database/agent/v1/{config.InstanceId}/tasks/next?wait=20", cancellationToken);
                if (response.StatusCode == HttpStatusCode.NoContent)
                    continue;
                response.EnsureSuccessStatusCode();
                var task = await response.Content.ReadFromJsonAsync(TroveJson.Default.AgentTask, cancellationToken)
                    ?? throw new InvalidDataException("an empty task");
                var result = await RunTaskAsync(task, cancellationToken);
                using var answer = await http.PostAsJsonAsync($"database/agent/v1/{config.InstanceId}/tasks/{task.Id}/result", result,
                    TroveJson.Default.AgentTaskResult, cancellationToken);
                answer.EnsureSuccessStatusCode();
                await SendHeartbeatAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception error) when (error is HttpRequestException or InvalidDataException or JsonException or TaskCanceledException)
            {
                await log.WriteLineAsync($"guest-agent: {error.Message}; trying again in 2 s");
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ContinueWith(_ => { }, CancellationToken.None);
            }
        }
        await heartbeats;
    }

    private async Task<AgentTaskResult> RunTaskAsync(AgentTask task, CancellationToken cancellationToken)
    {
        try
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var result = await driver.RunAsync(task, cancellationToken);
            await log.WriteLineAsync($"guest-agent: task {task.Id} ({task.Kind}) {(result.Ok ? "done" : "refused")} in {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds:0.00} s");
            return result;
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            await log.WriteLineAsync($"guest-agent: task {task.Id} ({task.Kind}) failed: {error.Message}");
            return new AgentTaskResult(false, error.Message);
        }
    }

    private async Task HeartbeatLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await SendHeartbeatAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return; // the agent is stopping: a heartbeat cut short is no failure
            }
            catch (Exception error) when (error is HttpRequestException or TaskCanceledException)
            {
                await log.WriteLineAsync($"guest-agent: heartbeat failed: {error.Message}");
            }
            try
            {
                await Task.Delay(HeartbeatInterval, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task SendHeartbeatAsync(CancellationToken cancellationToken)
    {
        var status = await driver.StatusAsync(cancellationToken);
        using var response = await http.PostAsJsonAsync($"database/agent/v1/{config.InstanceId}/heartbeat",
            new AgentHeartbeat(status, AgentVersion: typeof(GuestAgent).Assembly.GetName().Version?.ToString()), TroveJson.Default.AgentHeartbeat, cancellationToken);
        response.EnsureSuccessStatusCode();
    }
}
