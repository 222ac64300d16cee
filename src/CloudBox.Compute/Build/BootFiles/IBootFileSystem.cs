namespace CloudBox.Compute.Build.BootFiles;

/// <summary>A read-only file system the boot configuration and boot files are read from.</summary>
internal interface IBootFileSystem
{
    /// <summary>"ext4", "vfat", "xfs".</summary>
    string Kind { get; }

    /// <summary>The UUID as GRUB's <c>search --fs-uuid</c> and <c>root=UUID=</c> write it.</summary>
    string Uuid { get; }

    string Label { get; }

    /// <summary>The file at an absolute path (symlinks followed), or null when there is none.</summary>
    BootFile? Open(string path);

    /// <summary>The names in a directory (bounded), or null when it is not one.</summary>
    IReadOnlyList<string>? List(string path);
}

/// <summary>A file's length and the byte runs that hold it, read run by run.</summary>
internal abstract class BootFile
{
    public abstract long Length { get; }

    /// <summary>Copies the file to <paramref name="output"/>; refuses one longer than <paramref name="maxBytes"/>.</summary>
    public abstract void CopyTo(Stream output, long maxBytes, CancellationToken cancellationToken);

    /// <summary>Copies <paramref name="count"/> bytes of <paramref name="disk"/> from <paramref name="from"/> through <paramref name="buffer"/>.</summary>
    protected static void CopyRun(DiskRegion disk, long from, long count, Stream output, byte[] buffer)
    {
        for (long done = 0; done < count;)
        {
            var chunk = (int)Math.Min(buffer.Length, count - done);
            disk.Read(from + done, buffer.AsSpan(0, chunk));
            output.Write(buffer, 0, chunk);
            done += chunk;
        }
    }

    /// <summary>Writes <paramref name="count"/> zero bytes (a hole, or an unwritten range) through <paramref name="buffer"/>; nothing when it is not positive.</summary>
    protected static void WriteZeros(Stream output, long count, byte[] buffer)
    {
        if (count <= 0) return;
        Array.Clear(buffer);
        while (count > 0)
        {
            var chunk = (int)Math.Min(buffer.Length, count);
            output.Write(buffer, 0, chunk);
            count -= chunk;
        }
    }

    public byte[] ReadAll(int maxBytes)
    {
        if (Length > maxBytes)
            throw new BootFormatException($"a configuration file of {Length} bytes is larger than the {maxBytes}-byte limit");
        using var buffer = new MemoryStream((int)Length);
        CopyTo(buffer, maxBytes, CancellationToken.None);
        return buffer.ToArray();
    }
}
