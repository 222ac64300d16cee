using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Images;
using CloudBox.Testing;
using CloudBox.Volumes;

namespace CloudBox.Compute.Tests;

/// <summary>
/// Volumes end to end, seen from inside guests on the real `cloudbox vmm`: a volume attached to an ACTIVE server is
/// hot-plugged into its running VM (no reboot), the guest writes to it, detach takes it out once the guest let go,
/// and another server it is then attached to reads what the first wrote; one attached to a stopped server is a disk
/// of its guest from the start, and that disk too is unplugged while the guest runs. The guests are the C volume probe
/// (Guests/volume_probe.c, booted as a PVH kernel): a Linux guest cannot run user space on this emulated host. It
/// ignores the power button, so a stop waits for the shutdown timeout (2 s here) before the VMM is ended. Ignored, saying why, without a published binary, KVM or gcc.
/// </summary>
[TestFixture]
public sealed class RealVmmVolumeHotplugTests
{
    private TestCloud? _cloud;
    private string _token = "";
    private string _project = "";
    private string _kernel = "";
    private readonly ComputeSettings _settings = new() { HostName = "e2e-vol", BuildPollInterval = TimeSpan.FromMilliseconds(100), ShutdownTimeout = TimeSpan.FromSeconds(2) };

    [OneTimeSetUp]
    public async Task StartCloud()
    {
        var binary = RealVmmBootTests.FindVmmBinary(out var why);
        if (binary is null)
            Assert.Ignore(why);
        _settings.VmmBinary = binary;
        if (!File.Exists("/dev/kvm"))
            Assert.Ignore("/dev/kvm is missing: no KVM on this machine");
        var probe = PvhGuest.Build("volume_probe", out why);
        if (probe is null)
            Assert.Ignore(why);

        _cloud = await TestCloud.StartAsync(DatabaseEngine.Sqlite, new ImagesModule(),
            new VolumesModule(new VolumesSettings { WorkerPollInterval = TimeSpan.FromMilliseconds(100), CapacityGigabytes = 10 }),
            new ComputeModule(_settings));
        _token = await _cloud.AdminTokenAsync();
        var (_, projects, _) = await _cloud.SendAsync(HttpMethod.Get, "/identity/v3/auth/projects", _token);
        _project = projects!["projects"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "admin")!["id"]!.GetValue<string>();
        _kernel = await _cloud.UploadImageAsync(_token, new JsonObject { ["name"] = "volume-probe", ["disk_format"] = "aki", ["container_format"] = "aki" },
            await File.ReadAllBytesAsync(probe!));
    }

    [OneTimeTearDown]
    public async Task StopCloud()
    {
        if (_cloud is not null)
            await _cloud.DisposeAsync();
    }

    /// <summary>Servers a test booted: deleted after it, pass or fail (their VMMs outlive the cloud otherwise).</summary>
    private readonly List<string> _servers = [];

    [TearDown]
    public async Task DeleteServers()
    {
        foreach (var server in _servers)
            await Nova(HttpMethod.Delete, $"/servers/{server}");
        foreach (var server in _servers)
            for (var i = 0; i < 100 && (await Nova(HttpMethod.Get, $"/servers/{server}")).Status != HttpStatusCode.NotFound; i++)
                await Task.Delay(100);
        _servers.Clear();
    }

    [Test]
    public async Task Data_a_guest_writes_to_a_hot_plugged_volume_is_read_by_another_server_after_detach_and_attach()
    {
        var text = "cloudbox-" + Guid.NewGuid().ToString("N")[..16];
        var writer = await ProbeImageAsync("write=" + text);
        var reader = await ProbeImageAsync("read");
        var volume = await CreateVolumeAsync();
        var serial = "serial " + volume[..20] + "\n"; // virtio-blk's id holds 20 bytes
        var watch = Stopwatch.StartNew();

        var first = await BootAsync(writer);
        await AttachAsync(first, volume);
        var console = await WaitForConsoleAsync(first, "wrote " + text + "\n");
        Assert.That(console, Is.EqualTo($"ready\n{serial}wrote {text}\n"), "the guest saw the volume arrive as a new disk");
        TestContext.Out.WriteLine($"server A booted, volume attached and written: {watch.ElapsedMilliseconds} ms");

        await DetachAsync(first, volume);
        Assert.That(await WaitForConsoleAsync(first, "ejected\n"), Does.EndWith("ejected\n"), "the guest released the disk before it went");
        Assert.That(await VolumeStartsWithAsync(volume, text.Length + 1), Is.EqualTo(text + "\n"), "the guest's write is in the volume's file");
        TestContext.Out.WriteLine($"detached: {watch.ElapsedMilliseconds} ms");

        var second = await BootAsync(reader);
        await AttachAsync(second, volume);
        console = await WaitForConsoleAsync(second, "read " + text + "\n");
        Assert.That(console, Is.EqualTo($"ready\n{serial}read {text}\n"));
        TestContext.Out.WriteLine($"server B booted, volume attached and read: {watch.ElapsedMilliseconds} ms");

        // The same VM takes the disk again after a detach: the guest saw it leave and sees it come back.
        await DetachAsync(second, volume);
        await WaitForConsoleAsync(second, "ejected\n");
        await AttachAsync(second, volume);
        console = await WaitForConsoleAsync(second, "ejected\n" + serial + "read " + text + "\n");
        Assert.That(console, Is.EqualTo($"ready\n{serial}read {text}\nejected\n{serial}read {text}\n"));
        TestContext.Out.WriteLine($"detached and attached again: {watch.ElapsedMilliseconds} ms");
    }

    [Test]
    public async Task A_volume_attached_to_a_stopped_server_is_a_disk_of_its_guest_when_it_starts_and_detaches_while_it_runs()
    {
        var text = "cloudbox-" + Guid.NewGuid().ToString("N")[..16];
        var volume = await CreateVolumeAsync();
        var serial = "serial " + volume[..20] + "\n";
        var server = await BootAsync(await ProbeImageAsync("write=" + text));
        var (stopped, _, _) = await Nova(HttpMethod.Post, $"/servers/{server}/action", new JsonObject { ["os-stop"] = null });
        Assert.That(stopped, Is.EqualTo(HttpStatusCode.Accepted));
        await WaitForServerAsync(server, "SHUTOFF");

        await AttachAsync(server, volume);
        var (started, _, _) = await Nova(HttpMethod.Post, $"/servers/{server}/action", new JsonObject { ["os-start"] = null });
        Assert.That(started, Is.EqualTo(HttpStatusCode.Accepted));
        await WaitForServerAsync(server, "ACTIVE");
        Assert.That(await WaitForConsoleAsync(server, "wrote " + text + "\n"), Does.EndWith($"ready\n{serial}wrote {text}\n"), "the volume is there from boot");

        await DetachAsync(server, volume);
        await WaitForConsoleAsync(server, "ejected\n");
        Assert.That(await VolumeStartsWithAsync(volume, text.Length + 1), Is.EqualTo(text + "\n"));
    }

    /// <summary>
    /// The VMM Compute starts is confined (issue 20): no capability, seccomp in filter mode, no_new_privs, a mount
    /// namespace of its own, not root, and a cgroup holding the flavor's memory (plus the VMM's overhead); its guest
    /// still runs, and a volume hot-plugged into it (opened by serve and passed over the control socket, since the VMM
    /// can no longer open it) is written by the guest.
    /// </summary>
    [Test]
    public async Task A_servers_VMM_runs_unprivileged_filtered_and_namespaced_and_its_guest_still_writes_a_hot_plugged_volume()
    {
        // Confined whatever CLOUDBOX_VM_JAIL says (confinement is the default).
        var confined = _settings.ConfineVms;
        _settings.ConfineVms = true;
        try
        {
            await ConfinedVmmAsync();
        }
        finally
        {
            _settings.ConfineVms = confined;
        }
    }

    private async Task ConfinedVmmAsync()
    {
        var text = "jailed-" + Guid.NewGuid().ToString("N")[..12];
        var server = await BootAsync(await ProbeImageAsync("write=" + text));
        var pid = VmmPidOf(server);
        var status = File.ReadAllLines($"/proc/{pid}/status").Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1].Trim());
        TestContext.Out.WriteLine($"VMM {pid}: Uid {status["Uid"]} CapEff {status["CapEff"]} CapPrm {status["CapPrm"]} CapBnd {status["CapBnd"]} Seccomp {status["Seccomp"]} NoNewPrivs {status["NoNewPrivs"]}");
        Assert.That(status["CapEff"], Is.EqualTo("0000000000000000"));
        Assert.That(status["CapPrm"], Is.EqualTo("0000000000000000"));
        Assert.That(status["Seccomp"], Is.EqualTo("2"), "seccomp in filter mode");
        Assert.That(status["NoNewPrivs"], Is.EqualTo("1"));
        Assert.That(status["Uid"].Split('\t').Distinct(), Is.Not.Contains("0"), "real, effective, saved and file-system uid all left root");
        Assert.That(status["Gid"].Split('\t').Distinct(), Is.Not.Contains("0"));
        // Every thread, not only the main one (vCPUs and device workers add their own filters on top).
        foreach (var task in Directory.GetDirectories($"/proc/{pid}/task"))
        {
            var lines = File.ReadAllLines(Path.Combine(task, "status"));
            Assert.That(lines, Does.Contain("Seccomp:\t2"), task);
            Assert.That(lines, Does.Contain("CapEff:\t0000000000000000"), task);
        }
        Assert.That(new FileInfo($"/proc/{pid}/ns/mnt").LinkTarget, Is.Not.EqualTo(new FileInfo("/proc/self/ns/mnt").LinkTarget), "a mount namespace of its own");
        Assert.That(new FileInfo($"/proc/{pid}/ns/ipc").LinkTarget, Is.Not.EqualTo(new FileInfo("/proc/self/ns/ipc").LinkTarget), "an IPC namespace of its own");
        Assert.That(File.ReadAllText($"/proc/{pid}/cgroup"), Does.Contain("/cloudbox-vms/" + server));
        Assert.That(MemoryLimitOf(pid), Is.EqualTo((1L << 29) + (256L << 20)), "flavor 1's 512 MiB plus the VMM's 256 MiB overhead");

        var volume = await CreateVolumeAsync();
        await AttachAsync(server, volume);
        Assert.That(await WaitForConsoleAsync(server, "wrote " + text + "\n"), Does.EndWith("wrote " + text + "\n"), "the confined VMM plugged the volume serve passed it");
        Assert.That(await VolumeStartsWithAsync(volume, text.Length), Is.EqualTo(text));
    }

    /// <summary>The pid of the VMM whose command line names the server's control socket.</summary>
    private static int VmmPidOf(string server)
    {
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var pid))
                continue;
            try
            {
                var argv = File.ReadAllText(Path.Combine(entry, "cmdline")).Split('\0');
                var at = Array.IndexOf(argv, "--api-socket");
                if (Array.IndexOf(argv, "vmm") >= 0 && at >= 0 && at + 1 < argv.Length && argv[at + 1].EndsWith($"/instances/{server}/api.sock", StringComparison.Ordinal))
                    return pid;
            }
            catch (IOException)
            {
            }
        }
        Assert.Fail($"no VMM process for server {server}");
        return 0;
    }

    /// <summary>The memory limit of the process's cgroup: memory.max (v2) or memory.limit_in_bytes (v1's memory hierarchy).</summary>
    private static long MemoryLimitOf(int pid)
    {
        foreach (var line in File.ReadAllLines($"/proc/{pid}/cgroup"))
        {
            var parts = line.Split(':', 3);
            if (parts[0] == "0" && File.Exists($"/sys/fs/cgroup{parts[2]}/memory.max"))
                return long.Parse(File.ReadAllText($"/sys/fs/cgroup{parts[2]}/memory.max").Trim(), System.Globalization.CultureInfo.InvariantCulture);
            if (parts[1].Split(',').Contains("memory"))
                return long.Parse(File.ReadAllText($"/sys/fs/cgroup/memory{parts[2]}/memory.limit_in_bytes").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        Assert.Fail($"no memory cgroup for {pid}");
        return 0;
    }

    private Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> Nova(HttpMethod method, string path, JsonNode? body = null) =>
        _cloud!.SendAsync(method, "/compute/v2.1" + path, _token, body);

    private Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> Cinder(HttpMethod method, string path, JsonNode? body = null) =>
        _cloud!.SendAsync(method, $"/volume/v3/{_project}/{path}", _token, body);

    /// <summary>A raw disk image that boots the probe kernel with <paramref name="mode"/> on its command line.</summary>
    private Task<string> ProbeImageAsync(string mode) => _cloud!.UploadImageAsync(_token, new JsonObject
    {
        ["name"] = "probe " + mode.Split('=')[0], ["disk_format"] = "raw", ["container_format"] = "bare", ["kernel_id"] = _kernel, ["os_command_line"] = mode,
    }, new byte[1 << 20]);

    private async Task<string> CreateVolumeAsync()
    {
        var (created, body, _) = await Cinder(HttpMethod.Post, "volumes", new JsonObject { ["volume"] = new JsonObject { ["name"] = "probed", ["size"] = 1 } });
        Assert.That(created, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var id = body!["volume"]!["id"]!.GetValue<string>();
        await WaitForVolumeAsync(id, "available");
        return id;
    }

    /// <summary>The first bytes of the volume's file, as the host sees them.</summary>
    private async Task<string> VolumeStartsWithAsync(string volume, int length)
    {
        var head = new byte[length];
        await using var file = File.OpenRead(Path.Combine(_cloud!.DataDirectory, "volumes", "volumes", volume + ".raw"));
        await file.ReadExactlyAsync(head);
        return Encoding.ASCII.GetString(head);
    }

    /// <summary>Boots a server (noted for clean-up), waits for ACTIVE and for the probe to say it listens.</summary>
    private async Task<string> BootAsync(string image)
    {
        var (created, body, _) = await Nova(HttpMethod.Post, "/servers", new JsonObject
        {
            ["server"] = new JsonObject { ["name"] = "probe", ["imageRef"] = image, ["flavorRef"] = "1", ["networks"] = "none" },
        });
        Assert.That(created, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var id = body!["server"]!["id"]!.GetValue<string>();
        _servers.Add(id);
        await WaitForServerAsync(id, "ACTIVE");
        Assert.That(await WaitForConsoleAsync(id, "ready\n"), Is.EqualTo("ready\n"));
        return id;
    }

    private async Task WaitForServerAsync(string id, string status)
    {
        var server = new JsonObject();
        for (var i = 0; i < 600; i++)
        {
            server = (await Nova(HttpMethod.Get, $"/servers/{id}")).Body!["server"]!.AsObject();
            var current = server["status"]!.GetValue<string>();
            if (current == "ERROR" || current == status && server["OS-EXT-STS:task_state"] is null)
                break;
            await Task.Delay(100);
        }
        Assert.That(server["status"]!.GetValue<string>(), Is.EqualTo(status), server.ToJsonString());
    }

    private async Task AttachAsync(string server, string volume)
    {
        var (attached, body, _) = await Nova(HttpMethod.Post, $"/servers/{server}/os-volume_attachments",
            new JsonObject { ["volumeAttachment"] = new JsonObject { ["volumeId"] = volume } });
        Assert.That(attached, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        Assert.That((await VolumeAsync(volume))["status"]!.GetValue<string>(), Is.EqualTo("in-use"));
    }

    /// <summary>Detach answers 202 at once; the volume is available once the VMM took the disk out.</summary>
    private async Task DetachAsync(string server, string volume)
    {
        var (detached, body, _) = await Nova(HttpMethod.Delete, $"/servers/{server}/os-volume_attachments/{volume}");
        Assert.That(detached, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        Assert.That((await WaitForVolumeAsync(volume, "available"))["attachments"]!.AsArray(), Is.Empty);
    }

    private async Task<JsonObject> VolumeAsync(string id) => (await Cinder(HttpMethod.Get, $"volumes/{id}")).Body!["volume"]!.AsObject();

    private async Task<JsonObject> WaitForVolumeAsync(string id, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var volume = await VolumeAsync(id);
            if (volume["status"]!.GetValue<string>() == status)
                return volume;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"volume {id} did not become {status}: {volume.ToJsonString()}");
            await Task.Delay(100);
        }
    }

    /// <summary>Whether the server's VMM still runs and the last lines it wrote to its log (for a failure's message).</summary>
    private string VmmLogTail(string server)
    {
        var directory = Path.Combine(_cloud!.DataDirectory, "compute", "instances", server);
        var pid = File.Exists(Path.Combine(directory, "vmm.pid")) ? File.ReadAllText(Path.Combine(directory, "vmm.pid")).Trim() : "?";
        var alive = Directory.Exists($"/proc/{pid}") ? "runs" : "is gone (a seccomp kill shows in dmesg as audit type=1326)";
        var log = Path.Combine(directory, "vmm.log");
        return $"VMM {pid} {alive}\n" + (File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(20)) : "(no vmm.log)");
    }

    /// <summary>The server's console (os-getConsoleOutput) once it ends with <paramref name="expected"/>.</summary>
    private async Task<string> WaitForConsoleAsync(string server, string expected)
    {
        var console = "";
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!console.EndsWith(expected, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"server {server}'s console did not come to \"{expected.TrimEnd()}\": {console}\nits vmm.log ends:\n{VmmLogTail(server)}");
            await Task.Delay(100);
            var (_, output, _) = await Nova(HttpMethod.Post, $"/servers/{server}/action", new JsonObject { ["os-getConsoleOutput"] = new JsonObject() });
            console = output!["output"]!.GetValue<string>();
        }
        return console;
    }
}
