using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.IO.Pipelines;
using System.Security.Cryptography;
using CloudBox.Databases.Agent;

namespace CloudBox.Databases.Guest;

/// <summary>
/// Backups and restores of the PostgreSQL cluster: <c>pg_basebackup</c>'s tar stream (with the WAL it
/// needs, <c>-X fetch</c>) gzip-compressed in the agent, checksummed (SHA-256 of the stored bytes) and
/// streamed as segments into the owner's object store; a restore reads it back, verifies the checksum
/// before the cluster is put in place, and starts it with this instance's settings.
/// </summary>
internal sealed partial class PostgresDriver
{
    private const int PipeBytes = 8 << 20;

    private HttpClient? _objectStore;

    /// <summary>A client of its own for the object store: a backup's requests run as long as the data takes, not the agent's 60 s.</summary>
    private HttpClient ObjectStoreHttp => _objectStore ??= new HttpClient
    {
        BaseAddress = new Uri(config.Url.TrimEnd('/') + "/"),
        Timeout = Timeout.InfiniteTimeSpan,
    };

    protected override async Task<(long Size, string Checksum)> BackupAsync(BackupLocation location, CancellationToken cancellationToken)
    {
        if (!Prepared || await StatusAsync(cancellationToken) != "running")
            throw new InvalidOperationException("PostgreSQL is not running: there is nothing to back up.");
        var store = new BackupObjectStore(ObjectStoreHttp, location);
        await store.PrepareAsync(cancellationToken);

        using var process = Start(Tool("pg_basebackup"),
            ["-h", SocketDirectory, "-p", config.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres", "--no-password",
             "-D", "-", "-F", "tar", "-X", "fetch", "-c", "fast"], redirectInput: false);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: PipeBytes, resumeWriterThreshold: PipeBytes / 2));
        var compress = Task.Run(() => CompressAsync(process.StandardOutput.BaseStream, pipe.Writer, cancellationToken), cancellationToken);
        try
        {
            (long, string) stored;
            await using (var compressed = pipe.Reader.AsStream())
                stored = await store.UploadAsync(compressed, cancellationToken);
            await compress;
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"pg_basebackup failed (exit {process.ExitCode}): {Tail(await errors)}");
            return stored;
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
            try
            {
                await compress;
            }
            catch (Exception error) when (error is IOException or OperationCanceledException or InvalidOperationException)
            {
                // The upload failed or was cancelled first; its error is the one reported.
            }
        }
    }

    private static async Task CompressAsync(Stream source, PipeWriter writer, CancellationToken cancellationToken)
    {
        try
        {
            await using (var gzip = new GZipStream(writer.AsStream(leaveOpen: true), CompressionLevel.Fastest))
                await source.CopyToAsync(gzip, 1 << 20, cancellationToken);
            await writer.CompleteAsync();
        }
        catch (Exception error)
        {
            await writer.CompleteAsync(error);
            throw;
        }
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
        var scratch = ClusterDirectory + ".restore";
        if (Directory.Exists(scratch))
            Directory.Delete(scratch, recursive: true);
        Directory.CreateDirectory(scratch);
        var store = new BackupObjectStore(ObjectStoreHttp, location);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long size;
        using (var response = await store.OpenAsync(cancellationToken))
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var hashing = new HashingStream(body, hash);
            await using (var gzip = new GZipStream(hashing, CompressionMode.Decompress, leaveOpen: true))
                await TarFile.ExtractToDirectoryAsync(gzip, scratch, overwriteFiles: true, cancellationToken);
            // The checksum covers every stored byte, also those after the archive's end.
            await hashing.CopyToAsync(Stream.Null, cancellationToken);
            size = hashing.Count;
        }
        var checksum = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (location.Checksum is { } expected && !string.Equals(expected, checksum, StringComparison.OrdinalIgnoreCase))
        {
            Directory.Delete(scratch, recursive: true);
            throw new InvalidOperationException(
                $"Backup {location.Id} fails its checksum: the {size} bytes read have SHA-256 {checksum}, the backup recorded {expected}. It was not restored.");
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

    private static Process Start(string file, IReadOnlyList<string> arguments, bool redirectInput)
    {
        var start = new ProcessStartInfo
        {
            FileName = ToolUser is null ? file : "runuser",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        if (ToolUser is { } user)
        {
            foreach (var argument in new[] { "-u", user, "--", file })
                start.ArgumentList.Add(argument);
        }
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        return Process.Start(start) ?? throw new InvalidOperationException($"{file} could not be started");
    }

    private static string Tail(string output)
    {
        var trimmed = output.Trim();
        return trimmed.Length > 400 ? trimmed[^400..] : trimmed;
    }
}
