using System.Text;

namespace CloudBox.Compute.Build.BootFiles;

/// <summary>Path splitting and walking shared by the file system readers: bounded depth and symbolic links.</summary>
internal static class BootPath
{
    public const int MaxComponents = 64;
    public const int MaxSymlinks = 16;

    public static List<string> Split(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
                continue;
            if (part == "..")
            {
                if (parts.Count > 0)
                    parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
            if (parts.Count > MaxComponents)
                throw new BootFormatException($"path {path} is too deep");
        }
        return parts;
    }

    /// <summary>
    /// Walks <paramref name="path"/> from <paramref name="root"/> as the kernel does: ".." steps back along the walk, a
    /// symbolic link is followed relative to its directory (or from the root when absolute; the last part's only when
    /// <paramref name="followLast"/>), at most <see cref="MaxSymlinks"/> links and a bounded depth. Null when a part is
    /// missing or a non-directory is walked through.
    /// </summary>
    public static TInode? Resolve<TInode>(string path, TInode root, bool followLast, InodeTree<TInode> tree) where TInode : class
    {
        var pending = new Stack<string>(Enumerable.Reverse(Split(path)));
        var trail = new List<TInode> { root };
        var symlinks = 0;
        while (pending.Count > 0)
        {
            var name = pending.Pop();
            var directory = trail[^1];
            if (!tree.IsDirectory(directory))
                return null;
            if (name == "..")
            {
                if (trail.Count > 1) trail.RemoveAt(trail.Count - 1);
                continue;
            }
            if (tree.Lookup(directory, name) is not { } inode)
                return null;
            if (tree.IsSymlink(inode) && (pending.Count > 0 || followLast))
            {
                if (++symlinks > MaxSymlinks)
                    throw new BootFormatException($"too many symbolic links resolving {path}");
                var target = Encoding.UTF8.GetString(tree.ReadSymlink(inode));
                if (target.StartsWith('/'))
                    trail.RemoveRange(1, trail.Count - 1);
                var parts = target.Split('/', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length + pending.Count > MaxComponents * 4)
                    throw new BootFormatException($"path {path} is too deep");
                for (var i = parts.Length - 1; i >= 0; i--)
                    if (parts[i] != ".") pending.Push(parts[i]);
                continue;
            }
            trail.Add(inode);
        }
        return trail[^1];
    }
}

/// <summary>What <see cref="BootPath.Resolve"/> needs of a file system with inodes (ext4, XFS).</summary>
internal sealed record InodeTree<TInode>(
    Func<TInode, bool> IsDirectory, Func<TInode, bool> IsSymlink, Func<TInode, string, TInode?> Lookup, Func<TInode, byte[]> ReadSymlink)
    where TInode : class;
