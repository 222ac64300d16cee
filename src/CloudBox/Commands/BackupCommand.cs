using CloudBox.Core.Configuration;
using CloudBox.Core.Data;
using CloudBox.Hosting;
using CloudBox.Linux.FileSystem;
using Microsoft.Data.Sqlite;

namespace CloudBox.Commands;

/// <summary>
/// <c>cloudbox admin backup DEST</c> and <c>cloudbox admin restore SRC</c>. A backup is taken while
/// <c>serve</c> runs: first a consistent copy of the SQLite database (<c>VACUUM INTO</c>, one read
/// transaction), then every other file of the data directory (keys, images, volumes, objects,
/// instance disks), each copied sparse (a reflink, or only its data extents). Files are copied after
/// the database, so every file a row of the copied database names is there (a file deleted in
/// between excepted); a disk a running VM writes to is copied as a crash would leave it.
/// Restore copies a backup into an empty (or new) data directory, 0700.
/// </summary>
public static class BackupCommand
{
    public const string BackupUsage = "backup DEST                                    copy the cloud (database, keys, images, volumes, objects, disks) to the new directory DEST while serve runs";
    public const string RestoreUsage = "restore SRC                                    restore a backup into --data-dir, which must be empty or absent";

    private static readonly string[] Skipped = ["cloudbox.db", "cloudbox.db-wal", "cloudbox.db-shm", "cloudbox.db-journal"];

    public static async Task<int> BackupAsync(CloudBoxOptions options, IReadOnlyList<string> arguments)
    {
        if (arguments is not [var destinationArgument])
            throw new OptionsException($"usage: cloudbox admin {BackupUsage}");
        if (options.Database.Length > 0)
            throw new StartupException("this cloud keeps its database in PostgreSQL, back it up with pg_dump; 'admin backup' copies only an embedded SQLite cloud");
        StartupChecks.CloudExists(options);
        var destination = Path.GetFullPath(destinationArgument);
        if (Directory.Exists(destination) && Directory.EnumerateFileSystemEntries(destination).Any())
            throw new StartupException($"backup destination {destination} is not empty, name a new or empty directory");
        if (destination.StartsWith(options.DataDirectory.TrimEnd('/') + "/", StringComparison.Ordinal))
            throw new StartupException($"backup destination {destination} is inside the data directory, name a directory outside {options.DataDirectory}");
        Directory.CreateDirectory(destination, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var started = DateTime.UtcNow;
        await using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(options.DataDirectory, "cloudbox.db"), Mode = SqliteOpenMode.ReadOnly, DefaultTimeout = 30 }.ToString()))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "VACUUM INTO @target";
            command.Parameters.AddWithValue("@target", Path.Combine(destination, "cloudbox.db"));
            await command.ExecuteNonQueryAsync();
        }
        var (files, bytes) = CopyTree(options.DataDirectory, destination, skipDatabase: true);
        Console.Out.WriteLine($"backed up {options.DataDirectory} to {destination}: the database and {files} files ({bytes / 1048576.0:F1} MiB apparent) in {(DateTime.UtcNow - started).TotalSeconds:F1} s");
        return 0;
    }

    public static Task<int> RestoreAsync(CloudBoxOptions options, IReadOnlyList<string> arguments)
    {
        if (arguments is not [var sourceArgument])
            throw new OptionsException($"usage: cloudbox admin {RestoreUsage}");
        var source = Path.GetFullPath(sourceArgument);
        if (!File.Exists(Path.Combine(source, "cloudbox.db")))
            throw new StartupException($"{source} is not a CloudBox backup (no cloudbox.db there), name the directory 'cloudbox admin backup' wrote");
        var target = options.DataDirectory;
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
            throw new StartupException($"data directory {target} is not empty, restore into a new or empty --data-dir (CLOUDBOX_DATA_DIR)");
        Directory.CreateDirectory(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var (files, bytes) = CopyTree(source, target, skipDatabase: false);
        Console.Out.WriteLine($"restored {source} into {target}: {files} files ({bytes / 1048576.0:F1} MiB apparent); start it with: cloudbox serve --data-dir {target}");
        return Task.FromResult(0);
    }

    /// <summary>Copies regular files (sparse) and directories, keeping modes; sockets, pipes and the write probe are skipped.</summary>
    private static (int Files, long Bytes) CopyTree(string from, string to, bool skipDatabase)
    {
        var files = 0;
        long bytes = 0;
        foreach (var entry in new DirectoryInfo(from).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0 }))
        {
            var target = Path.Combine(to, entry.Name);
            if (entry is DirectoryInfo directory)
            {
                if (directory.LinkTarget is not null)
                    continue;
                Directory.CreateDirectory(target);
                File.SetUnixFileMode(target, directory.UnixFileMode);
                var (f, b) = CopyTree(directory.FullName, target, skipDatabase: false);
                files += f;
                bytes += b;
                continue;
            }
            var file = (FileInfo)entry;
            if (skipDatabase && Skipped.Contains(file.Name))
                continue;
            if (file.Name.StartsWith(".cloudbox-write-test-", StringComparison.Ordinal) || file.LinkTarget is not null)
                continue;
            try
            {
                FileCloner.Clone(file.FullName, target);
            }
            catch (System.ComponentModel.Win32Exception error) when (error.NativeErrorCode == 6)
            {
                continue; // ENXIO: a running VMM's control socket, not data
            }
            File.SetUnixFileMode(target, file.UnixFileMode);
            File.SetLastWriteTimeUtc(target, file.LastWriteTimeUtc);
            files++;
            bytes += file.Length;
        }
        return (files, bytes);
    }
}
