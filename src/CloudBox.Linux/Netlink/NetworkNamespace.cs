using CloudBox.Linux.Files;

namespace CloudBox.Linux.Netlink;

/// <summary>
/// Named network namespaces in iproute2's layout (<c>/run/netns/NAME</c>, a bind mount of a
/// namespace file), and running code inside one. Namespace membership is per thread, so work
/// runs on a short-lived thread of its own and the caller's thread never changes namespace.
/// </summary>
public static class NetworkNamespace
{
    public const string Directory = "/run/netns";

    public static string PathOf(string name) => Path.Combine(Directory, name);

    public static bool Exists(string name) => File.Exists(PathOf(name));

    public static IReadOnlyList<string> List() =>
        System.IO.Directory.Exists(Directory) ? System.IO.Directory.GetFiles(Directory).Select(Path.GetFileName).OfType<string>().ToList() : [];

    /// <summary>Creates namespace <paramref name="name"/> unless it exists.</summary>
    public static void Create(string name)
    {
        if (Exists(name))
            return;
        System.IO.Directory.CreateDirectory(Directory);
        var path = PathOf(name);
        File.WriteAllBytes(path, []);
        try
        {
            OnThread(() =>
            {
                if (NetlinkInterop.Unshare(NetlinkInterop.CloneNewNet) < 0)
                    throw LinuxException.FromLastError("unshare(CLONE_NEWNET)");
                // The new namespace lives as long as something holds it: the bind mount keeps it after this thread ends.
                var source = $"/proc/thread-self/ns/net";
                if (NetlinkInterop.Mount(source, path, null, NetlinkInterop.MsBind, 0) < 0)
                    throw LinuxException.FromLastError($"mount --bind {source} {path}");
                return 0;
            });
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    public static void Delete(string name)
    {
        var path = PathOf(name);
        if (!File.Exists(path))
            return;
        NetlinkInterop.Umount2(path, NetlinkInterop.MntDetach);
        File.Delete(path);
    }

    /// <summary>Runs <paramref name="work"/> inside the namespace at <paramref name="path"/> (null: the current one).</summary>
    public static T Run<T>(string? path, Func<T> work)
    {
        if (path is null)
            return OnThread(work);
        return OnThread(() =>
        {
            using var handle = LinuxFile.Open(path, OpenFlags.ReadOnly);
            if (NetlinkInterop.SetNs(handle.Value, NetlinkInterop.CloneNewNet) < 0)
                throw LinuxException.FromLastError($"setns {path}");
            return work();
        });
    }

    /// <summary>Opens a file descriptor for the namespace at <paramref name="path"/> (for IFLA_NET_NS_FD).</summary>
    public static FileDescriptor Open(string path) => LinuxFile.Open(path, OpenFlags.ReadOnly);

    private static T OnThread<T>(Func<T> work)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = work();
            }
            catch (Exception error)
            {
                failure = error;
            }
        }, 256 * 1024) { IsBackground = true, Name = "cloudbox-netns" };
        thread.Start();
        thread.Join();
        if (failure is not null)
            throw failure;
        return result;
    }
}
