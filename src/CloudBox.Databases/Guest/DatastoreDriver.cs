using CloudBox.Databases.Agent;
using CloudBox.Databases.Api;

namespace CloudBox.Databases.Guest;

/// <summary>
/// What the guest agent does with one kind of datastore. The tasks of the protocol are dispatched here
/// once; a datastore supplies the operations. Every action is idempotent: a task handed out twice has
/// the effect of once.
/// </summary>
internal abstract class DatastoreDriver
{
    /// <summary>The datastore's name in messages (PostgreSQL, MariaDB).</summary>
    protected abstract string Product { get; }

    /// <summary>True once the datastore's files are in place (after <c>prepare</c>).</summary>
    protected abstract bool Prepared { get; }

    /// <summary><c>new</c> before preparation, then <c>running</c>, <c>shutdown</c> or <c>failed</c>.</summary>
    public abstract Task<string> StatusAsync(CancellationToken cancellationToken);

    /// <summary>Starts an already prepared datastore (after the guest restarts); does nothing before preparation.</summary>
    public async Task StartIfPreparedAsync(CancellationToken cancellationToken)
    {
        if (Prepared && await StatusAsync(cancellationToken) != "running")
            await StartAsync(cancellationToken);
    }

    public async Task<AgentTaskResult> RunAsync(AgentTask task, CancellationToken cancellationToken)
    {
        var payload = task.Payload;
        switch (task.Kind)
        {
            case "prepare":
                await PrepareAsync(payload, cancellationToken);
                await CreateDatabasesAsync(payload.Databases ?? [], cancellationToken);
                await CreateUsersAsync(payload.Users ?? [], cancellationToken);
                break;
            case "create_databases":
                await CreateDatabasesAsync(payload.Databases ?? [], cancellationToken);
                break;
            case "delete_database":
                await DeleteDatabaseAsync(payload.Database!, cancellationToken);
                break;
            case "list_databases":
                return new AgentTaskResult(true, Databases: await DatabasesAsync(cancellationToken));
            case "create_users":
                await CreateUsersAsync(payload.Users ?? [], cancellationToken);
                break;
            case "list_users":
                return new AgentTaskResult(true, Users: await UsersAsync(cancellationToken));
            case "update_user":
                await UpdateUserAsync(payload.User!, payload.Password, payload.Users?.FirstOrDefault()?.Name, cancellationToken);
                break;
            case "delete_user":
                await DeleteUserAsync(payload.User!, cancellationToken);
                break;
            case "grant":
                await RequireUserAsync(payload.User!, cancellationToken);
                foreach (var database in payload.Databases ?? [])
                    await GrantAsync(payload.User!, database.Name, cancellationToken);
                break;
            case "revoke":
                await RequireUserAsync(payload.User!, cancellationToken);
                await RevokeAsync(payload.User!, payload.Database!, cancellationToken);
                break;
            case "enable_root":
                return new AgentTaskResult(true, User: await EnableRootAsync(payload.Password!, cancellationToken));
            case "disable_root":
                await DisableRootAsync(cancellationToken);
                break;
            case "restart":
                await RestartAsync(cancellationToken);
                break;
            case "get_configuration":
                return new AgentTaskResult(true, Configuration: await ConfigurationAsync(cancellationToken));
            case "apply_configuration":
                await ApplyConfigurationAsync(payload.Configuration ?? new Dictionary<string, string>(), cancellationToken);
                break;
            case "backup":
                var (size, checksum) = await BackupAsync(payload.Backup!, cancellationToken);
                return new AgentTaskResult(true, Size: size, Checksum: checksum);
            default:
                return new AgentTaskResult(false, $"The {Product} agent does not know the task '{task.Kind}'.");
        }
        return new AgentTaskResult(true);
    }

    /// <summary>Initialises the datastore on the data directory (or restores <see cref="TaskPayload.Backup"/> there), with the initial configuration, and starts it.</summary>
    protected abstract Task PrepareAsync(TaskPayload payload, CancellationToken cancellationToken);

    protected abstract Task StartAsync(CancellationToken cancellationToken);

    protected abstract Task RestartAsync(CancellationToken cancellationToken);

    protected abstract Task CreateDatabasesAsync(IReadOnlyList<DatabaseRef> databases, CancellationToken cancellationToken);

    protected abstract Task DeleteDatabaseAsync(string database, CancellationToken cancellationToken);

    protected abstract Task<IReadOnlyList<DatabaseRef>> DatabasesAsync(CancellationToken cancellationToken);

    protected abstract Task CreateUsersAsync(IReadOnlyList<UserRef> users, CancellationToken cancellationToken);

    protected abstract Task<IReadOnlyList<UserRef>> UsersAsync(CancellationToken cancellationToken);

    protected abstract Task UpdateUserAsync(string user, string? password, string? newName, CancellationToken cancellationToken);

    protected abstract Task DeleteUserAsync(string user, CancellationToken cancellationToken);

    /// <summary>Fails with the user-facing message when <paramref name="user"/> does not exist.</summary>
    protected abstract Task RequireUserAsync(string user, CancellationToken cancellationToken);

    protected abstract Task GrantAsync(string user, string database, CancellationToken cancellationToken);

    /// <summary>Takes <paramref name="user"/>'s access to <paramref name="database"/>; nothing to do when it has none.</summary>
    protected abstract Task RevokeAsync(string user, string database, CancellationToken cancellationToken);

    /// <summary>Gives the datastore's superuser a login with <paramref name="password"/>; returns that user.</summary>
    protected abstract Task<UserRef> EnableRootAsync(string password, CancellationToken cancellationToken);

    protected abstract Task DisableRootAsync(CancellationToken cancellationToken);

    /// <summary>The values the running datastore has for <paramref name="names"/> (the parameters configuration groups may set), as its own text.</summary>
    protected abstract Task<IReadOnlyDictionary<string, string>> ConfigurationValuesAsync(IReadOnlyList<string> names, CancellationToken cancellationToken);

    protected abstract string Manager { get; }

    private Task<IReadOnlyDictionary<string, string>> ConfigurationAsync(CancellationToken cancellationToken) =>
        ConfigurationValuesAsync(Configurations.ParameterSchema.For(Manager).Select(p => p.Name).ToList(), cancellationToken);

    /// <summary>Puts a configuration group's values in effect (empty: the datastore's defaults).</summary>
    protected abstract Task ApplyConfigurationAsync(IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken);

    /// <summary>An empty scratch directory at <paramref name="path"/>: whatever a crash left there is removed first.</summary>
    protected static string EmptyDirectory(string path)
    {
        if (Directory.Exists(path))
            Directory.Delete(path, recursive: true);
        Directory.CreateDirectory(path);
        return path;
    }

    private HttpClient? _objectStore;

    /// <summary>
    /// The owner's object store for a backup, through a client of the driver's own: a backup's requests
    /// run as long as the data takes, not the agent's 60 s.
    /// </summary>
    protected BackupObjectStore ObjectStore(string cloudUrl, BackupLocation location) => new(_objectStore ??= new HttpClient
    {
        BaseAddress = new Uri(cloudUrl.TrimEnd('/') + "/"),
        Timeout = Timeout.InfiniteTimeSpan,
    }, location);

    /// <summary>Streams a backup to <paramref name="location"/> (through <see cref="BackupStreams"/>); returns its stored size and checksum.</summary>
    protected virtual Task<(long Size, string Checksum)> BackupAsync(BackupLocation location, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"Backups of {Product} are not supported by this cloud yet.");
}
