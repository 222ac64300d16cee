using System.Text;
using CloudBox.Linux.Files;
using CloudBox.Linux.Interop;

namespace CloudBox.Linux.Netlink;

/// <summary>
/// Creates tap devices that outlive the descriptor that made them (TUNSETPERSIST), so the data
/// plane can plug a port into its bridge before the VMM opens the tap by name. There is no
/// rtnetlink call that creates a tap; this is the tun driver's own ioctl.
/// </summary>
public static unsafe class PersistentTap
{
    private const ulong TunSetIff = 0x400454CA;
    private const ulong TunSetPersist = 0x400454CB;
    private const short IffTap = 0x0002;
    private const short IffNoPi = 0x1000;
    private const short IffVnetHdr = 0x4000;

    /// <summary>Creates tap <paramref name="name"/> in the namespace at <paramref name="namespacePath"/> (the caller's when null); existing is fine.</summary>
    public static void Create(string name, string? namespacePath) => CreateMany([name], namespacePath);

    /// <summary>Creates several taps from one visit to the namespace (entering one costs a thread and a setns).</summary>
    public static void CreateMany(IReadOnlyCollection<string> names, string? namespacePath)
    {
        if (names.Count == 0)
            return;
        foreach (var name in names)
        {
            if (Encoding.UTF8.GetByteCount(name) >= 16)
                throw new ArgumentException($"tap name too long: {name}");
        }
        // Many taps (a rebuild from scratch) are made by a few threads at once: much of a tap's
        // creation is not under the kernel's RTNL lock (the tun device file, sysfs, the uevent).
        var chunks = names.Chunk(Math.Max(TapsPerThread, (names.Count + MaxThreads - 1) / MaxThreads)).ToList();
        if (chunks.Count == 1)
        {
            CreateHere(namespacePath, chunks[0]);
            return;
        }
        Exception? failure = null;
        var threads = chunks.Select(chunk => new Thread(() =>
        {
            try
            {
                CreateHere(namespacePath, chunk);
            }
            catch (Exception error)
            {
                failure ??= error;
            }
        }, 256 * 1024) { IsBackground = true, Name = "cloudbox-taps" }).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        if (failure is not null)
            throw failure;
    }

    private const int TapsPerThread = 64, MaxThreads = 4;

    private static void CreateHere(string? namespacePath, IReadOnlyList<string> names) => NetworkNamespace.Run(namespacePath, () =>
    {
        foreach (var name in names)
            CreateHere(name);
        return 0;
    });

    private static void CreateHere(string name)
    {
        using var fd = LinuxFile.Open("/dev/net/tun", OpenFlags.ReadWrite);
        var ifreq = stackalloc byte[40];
        new Span<byte>(ifreq, 40).Clear();
        Encoding.UTF8.GetBytes(name, new Span<byte>(ifreq, 15));
        // The same flags the VMM opens it with, or its TUNSETIFF would be refused.
        *(short*)(ifreq + 16) = IffTap | IffNoPi | IffVnetHdr;
        if (Libc.Ioctl(fd.Value, TunSetIff, ifreq) < 0)
            throw LinuxException.FromLastError($"TUNSETIFF {name}");
        if (Libc.Ioctl(fd.Value, TunSetPersist, 1UL) < 0)
            throw LinuxException.FromLastError($"TUNSETPERSIST {name}");
    }
}
