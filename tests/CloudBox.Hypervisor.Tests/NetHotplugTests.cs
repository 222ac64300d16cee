using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CloudBox.Hypervisor.Configuration;
using CloudBox.Linux.Netlink;

namespace CloudBox.Hypervisor.Tests;

/// <summary>
/// PCI hot-plug of virtio-net NICs through the control API (PUT /vm/nets, DELETE /vm/nets/ID) against a C guest that
/// finds the new function, reads its MAC and releases it on request; the tap exists exactly while the NIC is plugged.
/// </summary>
[TestFixture]
public sealed class NetHotplugTests
{
    private string _tap = "";

    [SetUp]
    public void NameTap()
    {
        GuestFixtures.RequireKvm();
        if (!Directory.Exists("/sys/class/net") || !File.Exists("/dev/net/tun"))
            Assert.Ignore("no /dev/net/tun: taps cannot be made here");
        _tap = "cbh" + Guid.NewGuid().ToString("N")[..8];
    }

    [Test]
    public async Task A_plugged_NIC_is_found_by_the_running_guest_with_its_MAC_and_unplug_closes_the_tap()
    {
        using var guest = new TinyGuest(GccGuest.Build("hotplug_net.c"));
        var (client, server, run) = await DiskHotplugTests.StartAsync(guest);
        await using var _ = server;
        using var __ = client;
        await DiskHotplugTests.WaitForConsole(guest, "ready\n");

        Assert.That((await Put(client, new { id = "port-1" })).StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "no tap");
        Assert.That((await client.PutAsync("/vm/nets", new StringContent("{not json"))).StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var badMac = await Put(client, new { id = "port-1", tap = _tap, mac = "01:00:5e:00:00:01" });
        Assert.That(badMac.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await badMac.Content.ReadAsStringAsync(), Does.Contain("multicast"));
        Assert.That((await Put(client, new { tap = "a/b" })).StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(TapExists(), Is.False, "refused requests leave no tap behind");

        Assert.That((await Put(client, new { id = "port-1", tap = _tap, mac = "52:54:00:ab:cd:ef" })).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await Put(client, new { id = "port-1", tap = _tap + "x" })).StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "id exists");
        Assert.That((await Put(client, new { id = "port-2", tap = _tap })).StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "tap in use");
        Assert.That(TapExists(), Is.True, "the VMM made and holds the tap");

        var vm = await client.GetFromJsonAsync<JsonObject>("/vm");
        var net = vm!["nets"]!.AsArray().Single()!;
        Assert.That(((string?)net["id"], (string?)net["tap"], (string?)net["mac"], (int?)net["pciSlot"]), Is.EqualTo(("port-1", _tap, "52:54:00:ab:cd:ef", 1)));
        Assert.That((string?)vm["config"]!["nets"]![0]!["id"], Is.EqualTo("port-1"), "a reboot plugs it from the start");
        Assert.That(vm["devices"]!.AsArray().Count(d => (string?)d!["type"] == "net"), Is.EqualTo(1));

        await DiskHotplugTests.WaitForConsole(guest, "mac 52:54:00:ab:cd:ef\n");
        Assert.That((await client.DeleteAsync("/vm/nets/nothing")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await client.DeleteAsync("/vm/disks/port-1")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "disks and NICs are named apart");
        Assert.That((await client.DeleteAsync("/vm/nets/port-1")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        vm = await client.GetFromJsonAsync<JsonObject>("/vm");
        Assert.That(vm!["nets"]!.AsArray(), Is.Empty);
        Assert.That(vm["config"]!["nets"]!.AsArray(), Is.Empty);
        Assert.That(TapExists(), Is.False, "the tap closed with the NIC");

        Assert.That(run.Wait(TimeSpan.FromSeconds(30)), Is.True);
        Assert.That(run.Result, Is.EqualTo(VmmExitCode.PowerOff));
        Assert.That(guest.ConsoleText, Is.EqualTo(
            "ready\ninserted slot 1 virtio-net ethernet\nmac 52:54:00:ab:cd:ef\neject requested\nslot empty\n"));
        Assert.That(guest.Errors.ToString(), Is.Empty, "the guest released the NIC in time");
    }

    [Test]
    public async Task A_NIC_without_a_MAC_gets_one_that_is_kept_for_later_boots_and_a_stopped_VM_refuses_plugs()
    {
        using var guest = new TinyGuest(GccGuest.Build("ignore_eject.c"), configure: c => c.EjectTimeoutSeconds = 1);
        var (client, server, run) = await DiskHotplugTests.StartAsync(guest);
        await using var _ = server;
        using var __ = client;
        await DiskHotplugTests.WaitForConsole(guest, "ignoring hot-plug\n");

        Assert.That((await Put(client, new { tap = _tap })).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        var vm = await client.GetFromJsonAsync<JsonObject>("/vm");
        var net = vm!["nets"]!.AsArray().Single()!;
        Assert.That((string?)net["id"], Is.EqualTo(_tap), "the id defaults to the tap");
        Assert.That((string?)net["mac"], Does.Match("^52:54:00(:[0-9a-f]{2}){3}$"));
        Assert.That((string?)vm["config"]!["nets"]![0]!["mac"], Is.EqualTo((string?)net["mac"]));

        Assert.That((await client.DeleteAsync("/vm/nets/" + _tap)).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(guest.Errors.ToString(), Does.Contain($"did not release net {_tap}"));
        Assert.That(TapExists(), Is.False);

        guest.Host.Kill();
        Assert.That(run.Wait(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That((int)(await Put(client, new { tap = _tap })).StatusCode, Is.EqualTo(409), "no VM to plug into");
        Assert.That(TapExists(), Is.False);
    }

    [Test]
    public async Task With_a_network_namespace_the_taps_of_booted_and_plugged_NICs_are_made_in_it_and_not_in_the_hosts()
    {
        if (Environment.UserName != "root")
            Assert.Ignore("network namespaces need root");
        var name = "cbh-ns-" + Guid.NewGuid().ToString("N")[..8];
        NetworkNamespace.Create(name);
        try
        {
            using var guest = new TinyGuest(GccGuest.Build("ignore_eject.c"), configure: c =>
            {
                c.NetworkNamespace = NetworkNamespace.PathOf(name);
                c.Nets.Add(new NetConfig { Tap = _tap });
                c.EjectTimeoutSeconds = 1;
            });
            var (client, server, run) = await DiskHotplugTests.StartAsync(guest);
            await using var _ = server;
            using var __ = client;
            await DiskHotplugTests.WaitForConsole(guest, "ignoring hot-plug\n");
            Assert.That(TapExists(), Is.False, "the booted NIC's tap is not in the host's namespace");
            Assert.That(LinkIn(name, _tap), Is.True, "the booted NIC's tap is in the VM's network namespace");

            Assert.That((await Put(client, new { tap = _tap + "p" })).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That(Directory.Exists("/sys/class/net/" + _tap + "p"), Is.False, "a plugged NIC's tap is not in the host's namespace");
            Assert.That(LinkIn(name, _tap + "p"), Is.True, "a plugged NIC's tap is in the VM's network namespace");
            Assert.That((await client.DeleteAsync("/vm/nets/" + _tap + "p")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That(LinkIn(name, _tap + "p"), Is.False, "the tap closed with the NIC");

            guest.Host.Kill();
            Assert.That(run.Wait(TimeSpan.FromSeconds(10)), Is.True);
        }
        finally
        {
            NetworkNamespace.Delete(name);
        }
    }

    private bool TapExists() => Directory.Exists("/sys/class/net/" + _tap);

    /// <summary>Whether the namespace has a link of that name (iproute2 looks from inside it).</summary>
    private static bool LinkIn(string namespaceName, string link)
    {
        var start = new ProcessStartInfo("ip", ["-n", namespaceName, "link", "show", "dev", link]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0;
    }

    private static Task<HttpResponseMessage> Put(HttpClient client, object body) => client.PutAsJsonAsync("/vm/nets", body);
}
