using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CloudBox.Core.Configuration;
using CloudBox.Networking;

namespace CloudBox.Hosting;

/// <summary>
/// What <c>serve</c> and <c>admin</c> check before they touch anything, so that a wrong setting or
/// a missing host facility ends in one line naming the setting and the fix
/// (<see cref="StartupException"/>) instead of a stack trace half-way through start-up.
/// </summary>
internal static class StartupChecks
{
    private const int CapNetAdmin = 12;

    /// <summary>The data directory exists or can be made, is a directory, and this process can write in it.</summary>
    public static void DataDirectoryIsWritable(CloudBoxOptions options)
    {
        var directory = options.DataDirectory;
        if (File.Exists(directory))
            throw new StartupException($"data directory {directory} is a file, set --data-dir (CLOUDBOX_DATA_DIR) to a directory");
        try
        {
            if (!Directory.Exists(directory))
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"cannot create data directory {directory} ({Reason(error)}), create it (install -d -m 0700 {directory}) or set --data-dir (CLOUDBOX_DATA_DIR) to a writable directory");
        }
        var probe = Path.Combine(directory, $".cloudbox-write-test-{Environment.ProcessId}");
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"data directory {directory} is not writable by uid {EffectiveUid()} ({Reason(error)}), run as its owner or root, or set --data-dir (CLOUDBOX_DATA_DIR) to a writable directory");
        }
    }

    /// <summary>For admin verbs: the data directory (and, on SQLite, its database) already exist; an admin verb never creates a cloud.</summary>
    public static void CloudExists(CloudBoxOptions options)
    {
        if (!Directory.Exists(options.DataDirectory))
            throw new StartupException($"no cloud in {options.DataDirectory} (no such directory), set --data-dir (CLOUDBOX_DATA_DIR) to the data directory of 'cloudbox serve' (default {CloudBoxOptions.DefaultDataDirectory})");
        if (options.Database.Length == 0 && !File.Exists(Path.Combine(options.DataDirectory, "cloudbox.db")))
            throw new StartupException($"no cloud in {options.DataDirectory} (no cloudbox.db there), set --data-dir (CLOUDBOX_DATA_DIR) to the data directory of 'cloudbox serve', or --database to its PostgreSQL");
    }

    /// <summary>Each address <c>serve</c> will listen on is free and bindable now.</summary>
    public static void AddressesAreFree(IEnumerable<(string Setting, string Url)> listens)
    {
        foreach (var (setting, url) in listens)
        {
            var uri = new Uri(url);
            var address = uri.Host switch
            {
                "localhost" => IPAddress.Loopback,
                "0.0.0.0" or "*" or "+" => IPAddress.Any,
                _ when IPAddress.TryParse(uri.Host.Trim('[', ']'), out var parsed) => parsed,
                _ => IPAddress.IPv6Any,
            };
            using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            // Plain SO_REUSEADDR (SOL_SOCKET 1, SO_REUSEADDR 2), as Kestrel binds: a port left in TIME_WAIT
            // by a restart is free, one a process listens on is not. (.NET's ReuseAddress option also sets
            // SO_REUSEPORT on Linux, which would let this probe bind beside a listener.)
            socket.SetRawSocketOption(1, 2, BitConverter.GetBytes(1));
            try
            {
                socket.Bind(new IPEndPoint(address, uri.Port));
                socket.Listen(1);
            }
            catch (SocketException error)
            {
                throw new StartupException(error.SocketErrorCode switch
                {
                    SocketError.AddressAlreadyInUse => $"{uri.Host}:{uri.Port} is already in use by another process, set {setting} to a free port or stop that process (ss -ltnp 'sport = :{uri.Port}' names it)",
                    SocketError.AccessDenied => $"cannot listen on {uri.Host}:{uri.Port} (permission denied: ports below 1024 need root or CAP_NET_BIND_SERVICE), set {setting} to a port above 1023 or run as root",
                    SocketError.AddressNotAvailable => $"cannot listen on {uri.Host}:{uri.Port} (no such address on this host), set {setting} to one of this host's addresses or 0.0.0.0",
                    _ => $"cannot listen on {uri.Host}:{uri.Port} ({error.Message}), check {setting}",
                });
            }
        }
    }

    /// <summary>The network data plane (on unless CLOUDBOX_NETWORK_DATA_PLANE=off) needs CAP_NET_ADMIN and /dev/net/tun.</summary>
    public static void DataPlaneCanRun()
    {
        if (!NetworkSettings.FromEnvironment().DataPlane)
            return;
        if (!HasCapability(CapNetAdmin))
            throw new StartupException($"the network data plane needs root (CAP_NET_ADMIN) and this process runs as uid {EffectiveUid()} without it, run as root (the systemd unit does) or set CLOUDBOX_NETWORK_DATA_PLANE=off for a cloud without VM networking");
        if (!File.Exists("/dev/net/tun"))
            throw new StartupException("/dev/net/tun is missing and the network data plane needs it for VM ports, load the tun module (modprobe tun) or set CLOUDBOX_NETWORK_DATA_PLANE=off");
    }

    /// <summary>Without /dev/kvm the APIs work but no server boots: a warning, not a refusal.</summary>
    public static void WarnWithoutKvm(TextWriter error)
    {
        if (!File.Exists("/dev/kvm"))
            error.WriteLine("cloudbox: warning: /dev/kvm is missing, so servers will not boot; load kvm_intel or kvm_amd (or enable nested virtualisation) and restart");
    }

    private static string Reason(Exception error) => error.Message.ReplaceLineEndings(" ").TrimEnd('.');

    private static string StatusField(string name)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(name + ":", StringComparison.Ordinal))
                return line[(name.Length + 1)..].Trim();
        }
        return "";
    }

    public static string EffectiveUid() => StatusField("Uid").Split('\t', StringSplitOptions.RemoveEmptyEntries) is [_, var effective, ..] ? effective : "?";

    private static bool HasCapability(int capability) =>
        ulong.TryParse(StatusField("CapEff"), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var effective) && (effective & (1UL << capability)) != 0;
}
