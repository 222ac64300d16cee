using CloudBox.Databases.Agent;

namespace CloudBox.Databases.Guest;

/// <summary>
/// Backups and restores of MariaDB with Debian's <c>mariabackup</c>: a full, hot backup streamed as
/// xbstream through <see cref="BackupStreams"/> (compressed, checksummed, stored as segments in the
/// owner's object store, as PostgreSQL's); a restore extracts it with <c>mbstream</c> into a scratch
/// directory, where the checksum is verified and <c>mariabackup --prepare</c> makes the InnoDB files
/// consistent before the directory is put in place and the server started.
/// </summary>
internal sealed partial class MariaDbDriver
{
    protected override async Task<(long Size, string Checksum)> BackupAsync(BackupLocation location, CancellationToken cancellationToken)
    {
        if (!Prepared || await StatusAsync(cancellationToken) != "running")
            throw new InvalidOperationException("MariaDB is not running: there is nothing to back up.");
        var store = ObjectStore(config.Url, location);
        await store.PrepareAsync(cancellationToken);
        var scratch = EmptyDirectory(Path.Combine(config.DataDir, "backup.tmp"));
        try
        {
            using var process = ProcessRunner.Start(null, "mariabackup", [$"--defaults-file={ConfigFile}", "--backup", "--stream=xbstream", $"--datadir={DataDirectory}",
                $"--socket={SocketPath}", $"--user={AdminUser}", $"--target-dir={scratch}", $"--tmpdir={scratch}"]);
            return await BackupStreams.StoreProcessOutputAsync(process, "mariabackup", store, cancellationToken);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>
    /// Puts the backup in place of a server not prepared yet: extracted into a scratch directory,
    /// checked against its checksum, prepared, then renamed into place (a crash in the middle leaves
    /// nothing that looks prepared; a repeated task finds it done).
    /// </summary>
    private async Task RestoreAsync(BackupLocation location, CancellationToken cancellationToken)
    {
        if (Prepared)
            return;
        Directory.CreateDirectory(config.DataDir);
        var scratch = EmptyDirectory(DataDirectory + ".restore");
        try
        {
            await BackupStreams.RestoreAsync(ObjectStore(config.Url, location), location, (archive, token) => ExtractAsync(archive, scratch, token), cancellationToken);
            await ProcessRunner.RunAsync(null, "mariabackup", ["--prepare", $"--target-dir={scratch}"], RestoreTimeout, cancellationToken);
        }
        catch
        {
            Directory.Delete(scratch, recursive: true);
            throw;
        }
        if (ServerUser is { } user)
            await ProcessRunner.RunAsync(null, "chown", ["-R", $"{user}:{user}", scratch], ToolTimeout, cancellationToken);
        Directory.Move(scratch, DataDirectory);
    }

    private static readonly TimeSpan RestoreTimeout = TimeSpan.FromMinutes(60);

    /// <summary>Feeds the xbstream archive to <c>mbstream -x</c> in <paramref name="directory"/>.</summary>
    private static async Task ExtractAsync(Stream archive, string directory, CancellationToken cancellationToken)
    {
        using var process = ProcessRunner.Start(null, "mbstream", ["-x", "-C", directory], redirectInput: true);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        try
        {
            await using (var input = process.StandardInput.BaseStream)
                await archive.CopyToAsync(input, 1 << 20, cancellationToken);
        }
        catch (IOException)
        {
            // mbstream stopped reading: its exit code and message say why.
        }
        finally
        {
            if (cancellationToken.IsCancellationRequested && !process.HasExited)
                process.Kill(entireProcessTree: true);
        }
        await process.WaitForExitAsync(cancellationToken);
        await output;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"mbstream failed (exit {process.ExitCode}): {(await errors).Trim()}");
    }
}
