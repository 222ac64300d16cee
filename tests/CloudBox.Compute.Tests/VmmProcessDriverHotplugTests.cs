using CloudBox.Compute.Drivers;
using Microsoft.Extensions.Logging.Abstractions;

namespace CloudBox.Compute.Tests;

/// <summary>
/// The VMM driver's side of hot-plug over the real transport (HTTP over the instance's control socket, the descriptor
/// passed first): what it sends, and how the VMM's answers become outcomes Compute acts on. Compute's own hot-plug
/// behaviour is tested through <see cref="InProcessFakeDriver"/>.
/// </summary>
public sealed class VmmProcessDriverHotplugTests
{
    private string _directory = "";
    private VmmProcessDriver _driver = null!;
    private VmDefinition _vm = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = Directory.CreateTempSubdirectory("cloudbox-test-hotplug-").FullName;
        var settings = new ComputeSettings();
        var launchers = new VmLaunchers(settings, new SystemdUnitLauncher(settings, NullLogger<SystemdUnitLauncher>.Instance), new DetachedProcessLauncher(),
            NullLogger<VmLaunchers>.Instance);
        _driver = new VmmProcessDriver(settings, launchers, NullLogger<VmmProcessDriver>.Instance);
        _vm = new VmDefinition("7c2d5f0e-2b61-4d7e-9a55-0d5e3c1f6a10", _directory, "/nonexistent/kernel", null, "console=ttyS0", 128, 1, []);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_directory, recursive: true);

    [Test]
    public async Task A_disk_is_sent_with_its_path_and_a_serial_the_guest_can_hold_and_the_answers_map_to_outcomes()
    {
        var volume = "0b8f2c4e-9d41-4a3b-8e21-6f5c7a9d1e02";
        var file = Path.Combine(_directory, volume + ".raw");
        await File.WriteAllBytesAsync(file, new byte[4096]);
        await using var vmm = await FakeVmmControlSocket.StartAsync(_vm.ApiSocketPath);

        var plugged = await _driver.AttachDiskAsync(_vm, new VmDisk(file, true, volume), CancellationToken.None);
        Assert.That(plugged, Is.EqualTo(HotplugResult.Done));
        var sent = vmm.Requests.Single();
        Assert.That((sent.Method, sent.Path), Is.EqualTo(("PUT", "/vm/disks")));
        Assert.That(sent.Body!["id"]!.GetValue<string>(), Is.EqualTo(volume));
        Assert.That(sent.Body["path"]!.GetValue<string>(), Is.EqualTo(file));
        Assert.That(sent.Body["readonly"]!.GetValue<bool>(), Is.True);
        Assert.That(sent.Body["serial"]!.GetValue<string>(), Is.EqualTo(volume[..20]), "virtio-blk serials hold 20 characters");

        foreach (var (status, outcome) in new[] { (404, HotplugOutcome.Unsupported), (405, HotplugOutcome.Unsupported), (501, HotplugOutcome.Unsupported),
            (409, HotplugOutcome.NoVm), (500, HotplugOutcome.Failed) })
        {
            vmm.DiskStatus = status;
            var answer = await _driver.AttachDiskAsync(_vm, new VmDisk(file, false, volume), CancellationToken.None);
            Assert.That(answer.Outcome, Is.EqualTo(outcome), $"PUT answered {status}");
            Assert.That(answer.Detail, Does.StartWith(status.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        // A removal of a disk the VM does not have is done; a VMM that cannot unplug keeps it.
        foreach (var (status, outcome) in new[] { (204, HotplugOutcome.Done), (404, HotplugOutcome.Done), (409, HotplugOutcome.NoVm),
            (405, HotplugOutcome.Unsupported), (500, HotplugOutcome.Failed) })
        {
            vmm.DiskStatus = status;
            Assert.That((await _driver.DetachDiskAsync(_vm, volume, CancellationToken.None)).Outcome, Is.EqualTo(outcome), $"DELETE answered {status}");
        }
        Assert.That(vmm.Requests.Last().Path, Is.EqualTo($"/vm/disks/{volume}"));
    }

    [Test]
    public async Task A_NIC_is_named_by_its_tap_and_the_running_VMs_NICs_are_listed()
    {
        await using var vmm = await FakeVmmControlSocket.StartAsync(_vm.ApiSocketPath);
        vmm.Nets["tapbooted"] = "52:54:00:00:00:01";

        // The tap does not exist on this host: the VMM is left to say so, the request still names it.
        var plugged = await _driver.AttachNicAsync(_vm, new VmNic("tapcbhp01", "52:54:00:00:00:02"), CancellationToken.None);
        Assert.That(plugged, Is.EqualTo(HotplugResult.Done));
        var sent = vmm.Requests.Single();
        Assert.That((sent.Body!["id"]!.GetValue<string>(), sent.Body["tap"]!.GetValue<string>(), sent.Body["mac"]!.GetValue<string>()),
            Is.EqualTo(("tapcbhp01", "tapcbhp01", "52:54:00:00:00:02")));
        Assert.That(await _driver.NicIdsAsync(_vm, CancellationToken.None), Is.EquivalentTo(new[] { "tapbooted", "tapcbhp01" }));

        vmm.NetStatus = 405;
        Assert.That((await _driver.AttachNicAsync(_vm, new VmNic("tapcbhp02", "52:54:00:00:00:03"), CancellationToken.None)).Outcome, Is.EqualTo(HotplugOutcome.Unsupported));
        vmm.NetStatus = 500;
        Assert.That((await _driver.AttachNicAsync(_vm, new VmNic("tapcbhp02", "52:54:00:00:00:03"), CancellationToken.None)).Outcome, Is.EqualTo(HotplugOutcome.Failed));
        vmm.NetStatus = 204;
        Assert.That(await _driver.DetachNicAsync(_vm, "tapcbhp01", CancellationToken.None), Is.EqualTo(HotplugResult.Done));
        Assert.That(await _driver.NicIdsAsync(_vm, CancellationToken.None), Is.EqualTo(new[] { "tapbooted" }));
    }

    [Test]
    public async Task With_no_VMM_answering_every_hot_plug_says_no_VM_runs()
    {
        Assert.That(await _driver.AttachDiskAsync(_vm, new VmDisk("/nonexistent/disk", false, "vol"), CancellationToken.None), Is.EqualTo(HotplugResult.NoVm));
        Assert.That(await _driver.DetachDiskAsync(_vm, "vol", CancellationToken.None), Is.EqualTo(HotplugResult.NoVm));
        Assert.That(await _driver.AttachNicAsync(_vm, new VmNic("tapnone", "52:54:00:00:00:09"), CancellationToken.None), Is.EqualTo(HotplugResult.NoVm));
        Assert.That(await _driver.DetachNicAsync(_vm, "tapnone", CancellationToken.None), Is.EqualTo(HotplugResult.NoVm));
        Assert.That(await _driver.NicIdsAsync(_vm, CancellationToken.None), Is.Null);
    }
}
