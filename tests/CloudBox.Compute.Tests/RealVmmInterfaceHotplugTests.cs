using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Images;
using CloudBox.Networking;
using CloudBox.Testing;

namespace CloudBox.Compute.Tests;

/// <summary>
/// NIC hot-plug end to end on the real driver: a port attached to an ACTIVE server is plugged into
/// its running `cloudbox vmm` (GET /vm on the control socket) on the port's tap with the port's MAC;
/// detach takes it out again and closes the tap. Whether the guest kernel binds the new function is
/// the VMM's own test (tests/CloudBox.Hypervisor.Tests, NetHotplugTests): a Linux guest boots too
/// slowly on a loaded nested host to wait for here. Networking runs without its data plane,
/// so the VMM makes the tap itself. Ignored, saying why, without a published binary, KVM or the
/// packaging/guest test guest (see <see cref="RealVmmBootTests"/>).
/// </summary>
[TestFixture]
public sealed class RealVmmInterfaceHotplugTests
{
    [Test]
    public async Task A_port_attached_to_an_active_server_is_plugged_into_its_running_VMM_and_unplugged_on_detach()
    {
        var binary = RealVmmBootTests.FindVmmBinary(out var why);
        if (binary is null)
            Assert.Ignore(why);
        if (!File.Exists("/dev/kvm") || !File.Exists("/dev/net/tun"))
            Assert.Ignore("/dev/kvm or /dev/net/tun is missing");
        var guest = RealVmmBootTests.BuildTestGuest();
        if (guest is null)
            Assert.Ignore("no guest kernel: packaging/guest/build-initramfs.sh failed (needs linux-image-cloud-amd64, busybox-static)");

        await using var cloud = await TestCloud.StartAsync(DatabaseEngine.Sqlite, new ImagesModule(), new NetworkingModule(new NetworkSettings { DataPlane = false }),
            new ComputeModule(new ComputeSettings { VmmBinary = binary!, HostName = "e2e-nic", BuildPollInterval = TimeSpan.FromMilliseconds(100), ShutdownTimeout = TimeSpan.FromSeconds(5) }));
        var token = await cloud.AdminTokenAsync();
        var kernelId = await cloud.UploadImageAsync(token, new JsonObject { ["name"] = "k", ["disk_format"] = "aki", ["container_format"] = "aki" },
            await File.ReadAllBytesAsync(Path.Combine(guest!, "vmlinux")));
        var ramdiskId = await cloud.UploadImageAsync(token, new JsonObject { ["name"] = "r", ["disk_format"] = "ari", ["container_format"] = "ari" },
            await File.ReadAllBytesAsync(Path.Combine(guest!, "initramfs.cpio")));
        var imageId = await cloud.UploadImageAsync(token, new JsonObject
        {
            ["name"] = "nic-guest", ["disk_format"] = "raw", ["container_format"] = "bare", ["kernel_id"] = kernelId, ["ramdisk_id"] = ramdiskId,
            // The shared boot options for this slow host, and the test init waiting for the power button.
            ["os_command_line"] = TestGuest.CommandLine + " cloudbox.test=wait",
        }, new byte[1 << 20]);
        var (_, network, _) = await cloud.SendAsync(HttpMethod.Post, "/network/v2.0/networks", token, new JsonObject { ["network"] = new JsonObject { ["name"] = "hotplug" } });
        var networkId = network!["network"]!["id"]!.GetValue<string>();
        await cloud.SendAsync(HttpMethod.Post, "/network/v2.0/subnets", token,
            new JsonObject { ["subnet"] = new JsonObject { ["network_id"] = networkId, ["cidr"] = "10.61.0.0/24", ["ip_version"] = 4 } });

        var (created, body, _) = await cloud.SendAsync(HttpMethod.Post, "/compute/v2.1/servers", token, new JsonObject
        {
            ["server"] = new JsonObject { ["name"] = "nic-hotplug", ["imageRef"] = imageId, ["flavorRef"] = "1", ["networks"] = "none" },
        });
        Assert.That(created, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var id = body!["server"]!["id"]!.GetValue<string>();
        try
        {
            await WaitForActiveAsync(cloud, token, id);
            using var vmm = ControlClient(Path.Combine(cloud.DataDirectory, "compute", "instances", id, "api.sock"));
            Assert.That((await vmm.GetFromJsonAsync<JsonObject>("vm"))!["nets"]!.AsArray(), Is.Empty, "booted with --nic none");

            var (attached, attachment, _) = await cloud.SendAsync(HttpMethod.Post, $"/compute/v2.1/servers/{id}/os-interface", token,
                new JsonObject { ["interfaceAttachment"] = new JsonObject { ["net_id"] = networkId } });
            Assert.That(attached, Is.EqualTo(HttpStatusCode.OK), attachment?.ToJsonString());
            var portId = attachment!["interfaceAttachment"]!["port_id"]!.GetValue<string>();
            var mac = attachment["interfaceAttachment"]!["mac_addr"]!.GetValue<string>();

            var (_, listed, _) = await cloud.SendAsync(HttpMethod.Get, $"/compute/v2.1/servers/{id}/os-interface", token);
            Assert.That(listed!["interfaceAttachments"]!.AsArray().Single()!["port_id"]!.GetValue<string>(), Is.EqualTo(portId));
            var net = (await vmm.GetFromJsonAsync<JsonObject>("vm"))!["nets"]!.AsArray().Single()!;
            Assert.That(((string?)net["tap"], (string?)net["mac"]), Is.EqualTo(("tap" + portId[..11], mac)));
            Assert.That(Directory.Exists("/sys/class/net/tap" + portId[..11]), Is.True, "the VMM holds the port's tap");

            // The attach is on the server's row: a hard reboot (a new VMM process) plugs the NIC from the start.
            var (rebooted, _, _) = await cloud.SendAsync(HttpMethod.Post, $"/compute/v2.1/servers/{id}/action", token,
                new JsonObject { ["reboot"] = new JsonObject { ["type"] = "HARD" } });
            Assert.That(rebooted, Is.EqualTo(HttpStatusCode.Accepted));
            await WaitForActiveAsync(cloud, token, id);
            JsonNode? booted = null;
            for (var i = 0; i < 100 && booted is null; i++)
            {
                try
                {
                    booted = (await vmm.GetFromJsonAsync<JsonObject>("vm"))!["nets"]!.AsArray().SingleOrDefault();
                }
                catch (HttpRequestException)
                {
                    // the new VMM is not listening yet
                }
                if (booted is null)
                    await Task.Delay(100);
            }
            Assert.That(((string?)booted?["tap"], (string?)booted?["mac"]), Is.EqualTo(("tap" + portId[..11], mac)));

            var watch = Stopwatch.StartNew();
            var (detached, _, _) = await cloud.SendAsync(HttpMethod.Delete, $"/compute/v2.1/servers/{id}/os-interface/{portId}", token);
            Assert.That(detached, Is.EqualTo(HttpStatusCode.Accepted));
            TestContext.Out.WriteLine($"detach answered in {watch.ElapsedMilliseconds} ms");
            Assert.That((await vmm.GetFromJsonAsync<JsonObject>("vm"))!["nets"]!.AsArray(), Is.Empty);
            Assert.That(Directory.Exists("/sys/class/net/tap" + portId[..11]), Is.False, "the tap closed with the NIC");
            var (_, left, _) = await cloud.SendAsync(HttpMethod.Get, $"/compute/v2.1/servers/{id}/os-interface", token);
            Assert.That(left!["interfaceAttachments"]!.AsArray(), Is.Empty);
            var (server, _, _) = await cloud.SendAsync(HttpMethod.Get, $"/compute/v2.1/servers/{id}", token);
            Assert.That(server, Is.EqualTo(HttpStatusCode.OK));
        }
        finally
        {
            await cloud.SendAsync(HttpMethod.Delete, $"/compute/v2.1/servers/{id}", token);
            for (var i = 0; i < 100 && (await cloud.SendAsync(HttpMethod.Get, $"/compute/v2.1/servers/{id}", token)).Status != HttpStatusCode.NotFound; i++)
                await Task.Delay(100);
        }
    }

    private static async Task WaitForActiveAsync(TestCloud cloud, string token, string id)
    {
        var status = "";
        for (var i = 0; i < 600 && status is not ("ACTIVE" or "ERROR"); i++)
        {
            await Task.Delay(100);
            status = (await cloud.SendAsync(HttpMethod.Get, $"/compute/v2.1/servers/{id}", token)).Body!["server"]!["status"]!.GetValue<string>();
        }
        Assert.That(status, Is.EqualTo("ACTIVE"));
    }

    private static HttpClient ControlClient(string socketPath) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        },
    })
    { BaseAddress = new Uri("http://vmm/") };
}
