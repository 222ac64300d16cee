using System.Formats.Tar;
using CloudBox.Databases.Agent;

namespace CloudBox.Databases.Guest;

/// <summary>
/// Backups and restores of the PostgreSQL cluster: <c>pg_basebackup</c>'s tar stream (with the WAL it
/// needs, <c>-X fetch</c>) through <see cref="BackupStreams"/> (compressed, checksummed, stored as
/// segments in the owner's object store); a restore extracts it into a scratch directory, where the
/// checksum is verified before the cluster is put in place and started with this instance's settings.
/// </summary>
internal sealed partial class PostgresDriver
{
    protected override async Task<(long Size, string Checksum)> BackupAsync(BackupLocation location, CancellationToken cancellationToken)
    {
        if (!Prepared || await StatusAsync(cancellationToken) != "running")
            throw new InvalidOperationException("PostgreSQL is not running: there is nothing to back up.");
        var store = ObjectStore(config.Url, location);
        await store.PrepareAsync(cancellationToken);
        using var process = ProcessRunner.Start(ToolUser, Tool("pg_basebackup"),
            ["-h", SocketDirectory, "-p", config.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres", "--no-password",
             "-D", "-", "-F", "tar", "-X", "fetch", "-c", "fast"]);
        return await BackupStreams.StoreProcessOutputAsync(process, "pg_basebackup", store, cancellationToken);
    }

    /// <summary>
    /// Puts the backup in place of a cluster not prepared yet: extracted into a scratch directory,
    /// checked against its checksum, given this instance's port and addresses, then renamed into place
    /// (a crash in the middle leaves no half cluster that looks prepared; a repeated task finds it done).
    /// </summary>
    private async Task RestoreAsync(BackupLocation location, CancellationToken cancellationToken)
    {
        if (Prepared)
            return;
        Directory.CreateDirectory(config.DataDir);
        var scratch = EmptyDirectory(ClusterDirectory + ".restore");
        try
        {
            await BackupStreams.RestoreAsync(ObjectStore(config.Url, location), location,
                (archive, token) => TarFile.ExtractToDirectoryAsync(archive, scratch, overwriteFiles: true, token), cancellationToken);
        }
        catch
        {
            Directory.Delete(scratch, recursive: true);
            throw;
        }
        foreach (var stale in new[] { "postmaster.pid", "postmaster.opts" })
            File.Delete(Path.Combine(scratch, stale));
        await File.AppendAllTextAsync(Path.Combine(scratch, "postgresql.conf"),
            $"\n# Written by cloudbox guest-agent when restoring backup {location.Id}\nlisten_addresses = '{config.ListenAddress}'\nport = {config.Port}\n" +
            $"unix_socket_directories = '{SocketDirectory}'\n", cancellationToken);
        File.SetUnixFileMode(scratch, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (ToolUser is { } user)
            await ProcessRunner.RunAsync(null, "chown", ["-R", $"{user}:{user}", scratch], ToolTimeout, cancellationToken);
        Directory.Move(scratch, ClusterDirectory);
    }
}
