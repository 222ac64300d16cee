using System.Net.Http.Json;
using System.Net.Sockets;
using CloudBox.Hypervisor;
using CloudBox.Hypervisor.ControlApi;
using CloudBox.Linux;
using CloudBox.Linux.Confinement;
using CloudBox.Linux.Files;
using CloudBox.Linux.Netlink;
using CloudBox.Linux.Tun;

namespace CloudBox.Compute.Drivers;

/// <summary>
/// The control API of one running <c>cloudbox vmm</c>: HTTP over its unix socket (<c>GET /vm</c>,
/// <c>PUT /vm/actions</c>, <c>PUT /vm/disks</c>, <c>DELETE /vm/disks/{id}</c>,
/// <c>PUT /vm/nets</c>, <c>DELETE /vm/nets/{id}</c>).
/// </summary>
public static class VmmControlClient
{
    /// <summary>
    /// Longer than the VMM's own wait for a guest to release an unplugged disk or NIC (its eject
    /// timeout, 20 s by default): the unplug answers once the device is gone, whether the guest let go or not.
    /// </summary>
    private static readonly TimeSpan DeviceRequestTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long a state query or an action waits for the VMM's answer.</summary>
    private static readonly TimeSpan ControlTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A client for one VMM; with <paramref name="passed"/>, each connection starts by handing that open descriptor to the
    /// VMM (a NUL byte with SCM_RIGHTS): a confined VMM can open neither a volume file nor a tap itself.
    /// </summary>
    private static HttpClient For(string socketPath, TimeSpan? timeout = null, FileDescriptor? passed = null) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                if (passed is not null)
                    DescriptorPassing.Send(socket, 0, passed.Value);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    { BaseAddress = new Uri("http://vmm/"), Timeout = timeout ?? ControlTimeout };

    /// <summary>The VM's state, or null when nothing answers on the socket.</summary>
    public static async Task<VmState?> StateAsync(string socketPath, CancellationToken cancellationToken) =>
        (await ReadVmAsync(socketPath, ControlTimeout, cancellationToken))?.State;

    /// <summary><c>GET /vm</c>'s body, or null when no VMM answers on the socket (or what it answers is not the VMM's JSON).</summary>
    private static async Task<VmInfo?> ReadVmAsync(string socketPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!File.Exists(socketPath))
            return null;
        try
        {
            using var client = For(socketPath, timeout);
            return await client.GetFromJsonAsync("vm", ControlJsonContext.Default.VmInfo, cancellationToken);
        }
        catch (Exception error) when (error is HttpRequestException or SocketException or IOException or System.Text.Json.JsonException or TaskCanceledException
            && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Sends an action; false when the VM process is gone.</summary>
    public static async Task<bool> ActAsync(string socketPath, string action, CancellationToken cancellationToken)
    {
        try
        {
            using var client = For(socketPath);
            using var response = await client.PutAsJsonAsync("vm/actions", new VmActionRequest { Action = action }, ControlJsonContext.Default.VmActionRequest, cancellationToken);
            if (!response.IsSuccessStatusCode)
                throw new DriverException($"The VMM refused '{action}': {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
            return true;
        }
        catch (Exception error) when (error is HttpRequestException or SocketException or IOException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DriverException($"The VMM did not answer '{action}' within {ControlTimeout.TotalSeconds:F0} s.");
        }
    }

    /// <summary>
    /// Hot-plugs a disk (<c>PUT /vm/disks</c>). Returns the VMM's status code (204 plugged; 404, 405
    /// or 501 from a VMM without disk hot-plug) and its body, or null when no VMM answers.
    /// </summary>
    public static async Task<(int Status, string Body)?> AddDiskAsync(string socketPath, string id, string path, bool readOnly, string serial, CancellationToken cancellationToken)
    {
        // Opened here, as serve, and passed: a file that cannot be opened is left to the VMM to report.
        using var file = Attempt(() => LinuxFile.Open(path, readOnly ? OpenFlags.ReadOnly : OpenFlags.ReadWrite));
        return await DeviceRequestAsync(socketPath, client => client.PutAsJsonAsync("vm/disks",
            new DiskRequest { Id = id, Path = path, Readonly = readOnly, Serial = serial.Length > 20 ? serial[..20] : serial }, ControlJsonContext.Default.DiskRequest, cancellationToken), cancellationToken, file);
    }

    private static FileDescriptor? Attempt(Func<FileDescriptor> open)
    {
        try
        {
            return open();
        }
        catch (Exception error) when (error is LinuxException or ArgumentException or IOException)
        {
            return null;
        }
    }

    /// <summary>Hot-unplugs a disk (<c>DELETE /vm/disks/{id}</c>): 204 removed, 404 no such disk (or no such route); null when no VMM answers.</summary>
    public static Task<(int Status, string Body)?> RemoveDiskAsync(string socketPath, string id, CancellationToken cancellationToken) =>
        DeviceRequestAsync(socketPath, client => client.DeleteAsync("vm/disks/" + Uri.EscapeDataString(id), cancellationToken), cancellationToken);

    /// <summary>
    /// Hot-plugs a NIC on a tap (<c>PUT /vm/nets</c>): 204 plugged; 404 or 405 from a VMM without NIC
    /// hot-plug; null when no VMM answers.
    /// </summary>
    public static async Task<(int Status, string Body)?> AddNetAsync(string socketPath, string id, string tap, string mac, CancellationToken cancellationToken, string? tapNamespace = null)
    {
        // Attached here (in the data plane's namespace, as the VMM would: virtio-net header, no offloads) and passed.
        using var tapDevice = Attempt(() => NetworkNamespace.Run(tapNamespace, () => TapDevice.Open(tap, VirtioNetHeaderLength).Handle));
        return await DeviceRequestAsync(socketPath, client => client.PutAsJsonAsync("vm/nets", new NetRequest { Id = id, Tap = tap, Mac = mac }, ControlJsonContext.Default.NetRequest, cancellationToken), cancellationToken, tapDevice);
    }

    /// <summary>The virtio-net header the VMM's NICs put in front of each frame (the tap is told its size).</summary>
    private const int VirtioNetHeaderLength = 12;

    /// <summary>Hot-unplugs a NIC (<c>DELETE /vm/nets/{id}</c>): 204 removed, 404 no such NIC (or no such route); null when no VMM answers.</summary>
    public static Task<(int Status, string Body)?> RemoveNetAsync(string socketPath, string id, CancellationToken cancellationToken) =>
        DeviceRequestAsync(socketPath, client => client.DeleteAsync("vm/nets/" + Uri.EscapeDataString(id), cancellationToken), cancellationToken);

    /// <summary>The ids of the NICs the running VM has (<c>GET /vm</c>), or null when no VMM answers or it predates NIC hot-plug.</summary>
    public static async Task<IReadOnlyList<string>?> NetIdsAsync(string socketPath, CancellationToken cancellationToken) =>
        (await ReadVmAsync(socketPath, ControlTimeout, cancellationToken))?.Nets is { } nets ? [.. nets.Select(n => n.Id)] : null;

    /// <summary>
    /// The running VM's disks in the VMM's order (the guest's vda, vdb…) with their read and write
    /// counters (<c>GET /vm</c>), or null when no VMM answers. Bytes are 0 from a VMM that counts only requests.
    /// </summary>
    public static async Task<IReadOnlyList<Core.Compute.VmDiskCounters>?> DiskCountersAsync(string socketPath, CancellationToken cancellationToken) =>
        (await ReadVmAsync(socketPath, TimeSpan.FromSeconds(2), cancellationToken))?.Disks is { } disks
            ? [.. disks.Select((disk, index) => new Core.Compute.VmDiskCounters(
                "vd" + (char)('a' + Math.Min(index, 25)), disk.ReadBytes, disk.WriteBytes, disk.ReadOps, disk.WriteOps))]
            : null;

    /// <summary>
    /// The running VM's disks (as <see cref="DiskCountersAsync"/>) and its exits by reason from one
    /// <c>GET /vm</c>, or null when no VMM answers.
    /// </summary>
    public static async Task<Core.Compute.VmmCounters?> CountersAsync(string socketPath, CancellationToken cancellationToken)
    {
        if (await ReadVmAsync(socketPath, TimeSpan.FromSeconds(2), cancellationToken) is not { } vm)
            return null;
        IReadOnlyList<Core.Compute.VmDiskCounters> disks = vm.Disks is { } list
            ? [.. list.Select((disk, index) => new Core.Compute.VmDiskCounters(
                "vd" + (char)('a' + Math.Min(index, 25)), disk.ReadBytes, disk.WriteBytes, disk.ReadOps, disk.WriteOps))]
            : [];
        return new Core.Compute.VmmCounters(disks, vm.Counters?.ExitsByReason ?? new Dictionary<string, long>());
    }

    private static async Task<(int Status, string Body)?> DeviceRequestAsync(string socketPath, Func<HttpClient, Task<HttpResponseMessage>> send, CancellationToken cancellationToken, FileDescriptor? passed = null)
    {
        if (!File.Exists(socketPath))
            return null;
        try
        {
            using var client = For(socketPath, DeviceRequestTimeout, passed);
            using var response = await send(client);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (Exception error) when (!cancellationToken.IsCancellationRequested
            && (error is HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded } or TaskCanceledException { InnerException: TimeoutException }))
        {
            // A VMM took the request and hung up or went quiet: the device may well still be in the VM, so this is
            // not "no VMM" (which callers take as nothing holding the disk or tap) but a failure they report.
            return (NoAnswer, $"the VMM took the request but {(error is TaskCanceledException ? $"did not answer within {DeviceRequestTimeout.TotalSeconds:F0} s" : "hung up without answering")}");
        }
        catch (Exception error) when (error is HttpRequestException or SocketException or IOException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>The status a device request reports when the VMM took it but gave no answer (as a gateway would say it).</summary>
    public const int NoAnswer = 502;
}
