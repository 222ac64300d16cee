using System.Text;

namespace CloudBox.Compute.Build.BootFiles;

/// <summary>What the path walk needs to know of an inode.</summary>
internal interface IBootInode
{
    bool IsRegular { get; }

    bool IsDirectory { get; }

    bool IsSymlink { get; }
}

/// <summary>
/// A Unix file system read through inodes (ext4, XFS): opening and listing by path, and the walk they share, live here;
/// each format reads its own inodes, directories, symbolic links and file data.
/// </summary>
internal abstract class InodeFileSystem<TInode> : IBootFileSystem where TInode : class, IBootInode
{
    public abstract string Kind { get; }

    public abstract string Uuid { get; }

    public abstract string Label { get; }

    public BootFile? Open(string path) => Resolve(path) is { IsRegular: true } inode ? OpenFile(inode) : null;

    public IReadOnlyList<string>? List(string path) =>
        Resolve(path) is { IsDirectory: true } inode ? Names(inode).Where(n => n is not "." and not "..").ToList() : null;

    protected abstract TInode Root();

    /// <summary>The inode <paramref name="name"/> names in <paramref name="directory"/>, or null.</summary>
    protected abstract TInode? Lookup(TInode directory, string name);

    /// <summary>Every name in <paramref name="directory"/>, "." and ".." included.</summary>
    protected abstract IEnumerable<string> Names(TInode directory);

    protected abstract byte[] ReadSymlink(TInode inode);

    protected abstract BootFile OpenFile(TInode inode);

    /// <summary>
    /// Walks <paramref name="path"/> from the root as the kernel does: ".." steps back along the walk, a symbolic link is
    /// followed relative to its directory (or from the root when absolute), at most <see cref="BootPath.MaxSymlinks"/>
    /// links and a bounded depth. Null when a part is missing or a non-directory is walked through.
    /// </summary>
    private TInode? Resolve(string path)
    {
        var pending = new Stack<string>(Enumerable.Reverse(BootPath.Split(path)));
        var trail = new List<TInode> { Root() };
        var symlinks = 0;
        while (pending.Count > 0)
        {
            var name = pending.Pop();
            var directory = trail[^1];
            if (!directory.IsDirectory)
                return null;
            if (name == "..")
            {
                if (trail.Count > 1) trail.RemoveAt(trail.Count - 1);
                continue;
            }
            if (Lookup(directory, name) is not { } inode)
                return null;
            if (inode.IsSymlink)
            {
                if (++symlinks > BootPath.MaxSymlinks)
                    throw new BootFormatException($"too many symbolic links resolving {path}");
                var target = Encoding.UTF8.GetString(ReadSymlink(inode));
                if (target.StartsWith('/'))
                    trail.RemoveRange(1, trail.Count - 1);
                var parts = target.Split('/', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length + pending.Count > BootPath.MaxComponents * 4)
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
