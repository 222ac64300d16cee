using CloudBox.Linux.FileSystem;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CloudBox.Hosting;

/// <summary>
/// Data at rest is CloudBox's alone: <c>serve</c> runs with umask 077, so everything it (and every
/// VMM it starts) creates is 0600 or 0700, and at start an existing data directory is walked once
/// (bounded, never through a symbolic link) and anything readable or writable by group or others
/// (a data directory from before, a restored backup) loses those bits.
/// </summary>
public static partial class DataDirectorySecurity
{
    /// <summary>Owner-only creation mask.</summary>
    public const UnixFileMode Mask = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>At most this many entries are looked at; a larger tree is repaired over several starts.</summary>
    public const int MaxEntries = 1_000_000;

    /// <summary>Sets the umask, creates the data directory 0700 when missing, and repairs modes under it; returns how many entries were changed.</summary>
    public static int Apply(string dataDirectory)
    {
        FileModeMask.Set(Mask);
        Directory.CreateDirectory(dataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var fixedCount = Repair(new DirectoryInfo(dataDirectory)) ? 1 : 0;
        var seen = 0;
        var pending = new Stack<DirectoryInfo>();
        pending.Push(new DirectoryInfo(dataDirectory));
        while (pending.Count > 0 && seen < MaxEntries)
        {
            IEnumerable<FileSystemInfo> entries;
            try
            {
                entries = pending.Pop().EnumerateFileSystemInfos();
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                continue; // gone or unreadable: nothing to repair here
            }
            foreach (var entry in entries)
            {
                if (++seen > MaxEntries)
                    break;
                if (entry.LinkTarget is not null || entry.Attributes.HasFlag(FileAttributes.ReparsePoint))
                    continue; // never follow a link out of the data directory
                if (Repair(entry))
                    fixedCount++;
                if (entry is DirectoryInfo directory)
                    pending.Push(directory);
            }
        }
        return fixedCount;
    }

    /// <summary>The line <c>serve</c> logs at start when it had to repair the data directory's modes (none when all was owner-only).</summary>
    public static void LogApplied(IServiceProvider services, string dataDirectory, int repaired)
    {
        if (repaired > 0)
            LogModes(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DataDirectorySecurity)), dataDirectory, repaired);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Data directory {DataDirectory}: {Repaired} entries readable or writable by group or others were made owner-only")]
    private static partial void LogModes(ILogger logger, string dataDirectory, int repaired);

    private static bool Repair(FileSystemInfo entry)
    {
        try
        {
            var mode = entry.UnixFileMode;
            if ((mode & Mask) == 0)
                return false;
            entry.UnixFileMode = mode & ~Mask;
            return true;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
