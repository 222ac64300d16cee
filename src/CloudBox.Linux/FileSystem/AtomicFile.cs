namespace CloudBox.Linux.FileSystem;

/// <summary>
/// Replaces a small file all at once: the content goes to a temporary name in the same directory (created with
/// <c>mode</c> from the start, so a secret is never readable by others), is fsynced, renamed over the target, and the
/// directory is fsynced. A crash leaves either the old file or the new one, never a torn one, and the new one
/// survives power loss once this returns.
/// </summary>
public static class AtomicFile
{
    private const UnixFileMode Default = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content, UnixFileMode mode = Default) =>
        Place(WriteTemporary(path, content, mode), path, replace: true);

    public static async Task WriteAllBytesAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken, UnixFileMode mode = Default)
    {
        var temporary = Temporary(path);
        try
        {
            await using (var stream = new FileStream(temporary, Options(mode)))
            {
                await stream.WriteAsync(content, cancellationToken);
                stream.Flush(flushToDisk: true);
            }
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
        Place(temporary, path, replace: true);
    }

    public static void WriteAllText(string path, string content, UnixFileMode mode = Default) =>
        WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(content), mode);

    public static Task WriteAllTextAsync(string path, string content, CancellationToken cancellationToken, UnixFileMode mode = Default) =>
        WriteAllBytesAsync(path, System.Text.Encoding.UTF8.GetBytes(content), cancellationToken, mode);

    /// <summary>
    /// Creates <paramref name="path"/> with <paramref name="content"/> unless it exists: false when another writer got
    /// there first, whose file is then kept (a key others already sealed data with must never be replaced).
    /// </summary>
    public static bool TryCreate(string path, string content, UnixFileMode mode = Default) =>
        Place(WriteTemporary(path, System.Text.Encoding.UTF8.GetBytes(content), mode), path, replace: false);

    /// <summary>The content written and fsynced under a temporary name next to <paramref name="path"/>; nothing is left behind on failure.</summary>
    private static string WriteTemporary(string path, ReadOnlySpan<byte> content, UnixFileMode mode)
    {
        var temporary = Temporary(path);
        try
        {
            using var stream = new FileStream(temporary, Options(mode));
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
        return temporary;
    }

    /// <summary>
    /// Renames the temporary file onto <paramref name="path"/> and fsyncs the directory. Without <paramref name="replace"/>
    /// an existing file is kept and the answer is false. The temporary file never outlives a failure.
    /// </summary>
    private static bool Place(string temporary, string path, bool replace)
    {
        try
        {
            File.Move(temporary, path, overwrite: replace);
        }
        catch (IOException) when (!replace && File.Exists(path))
        {
            File.Delete(temporary);
            return false;
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
        DirectorySync.Sync(Path.GetDirectoryName(Path.GetFullPath(path))!);
        return true;
    }

    /// <summary>A name of its own next to the target, so two writers of one file never share a temporary file.</summary>
    private static string Temporary(string path) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");

    private static FileStreamOptions Options(UnixFileMode mode) => new()
    {
        Mode = FileMode.CreateNew,
        Access = FileAccess.Write,
        Share = FileShare.None,
        UnixCreateMode = mode,
    };
}
