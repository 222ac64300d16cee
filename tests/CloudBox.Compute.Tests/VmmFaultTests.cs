using System.Text.Json.Nodes;
using CloudBox.Compute.Drivers;
using CloudBox.Core.Data;

namespace CloudBox.Compute.Tests;

/// <summary>
/// A VM that dies shows the user why: the VMM's own report (a KVM internal error, a triple fault, a
/// guest crash, with the last console lines) becomes the server's fault and an instance action, and
/// the console log keeps what earlier runs of the VM printed.
/// </summary>
public sealed class VmmFaultTests(DatabaseEngine engine) : ComputeFixture(engine)
{
    [Test]
    public async Task A_vmm_that_stops_on_its_own_puts_its_reason_in_the_fault_and_an_instance_action()
    {
        var id = await CreateActiveServerAsync();
        var instance = Path.Combine(Cloud.DataDirectory, "compute", "instances", id);
        Directory.CreateDirectory(instance);
        // What `cloudbox vmm` writes to vmm.log when KVM gives up on the guest (VmmHost.Report).
        await File.AppendAllTextAsync(Path.Combine(instance, "vmm.log"),
            "cloudbox vmm: KVM internal error: suberror 1, rip=0xffffffff81000000\nlast console lines:\n[    0.512] Freeing unused kernel image\n");
        Driver.GuestPowersOff(id);

        var server = await WaitForStatusAsync(id, "ERROR");
        Assert.That(server["fault"]!["message"]!.GetValue<string>(), Does.Contain("KVM internal error: suberror 1"));
        Assert.That(server["fault"]!["code"]!.GetValue<int>(), Is.EqualTo(500));
        Assert.That(server["fault"]!["created"], Is.Not.Null);
        Assert.That(server["fault"]!["details"]!.GetValue<string>(), Does.Contain("Freeing unused kernel image"), "an admin sees the last console lines");
        Assert.That(server["OS-EXT-STS:power_state"]!.GetValue<int>(), Is.EqualTo(PowerState.Crashed));

        var (_, actions, _) = await Nova(HttpMethod.Get, $"/servers/{id}/os-instance-actions", AdminToken);
        var messages = actions!["instanceActions"]!.AsArray().Select(a => a!["message"]?.GetValue<string>() ?? "").ToList();
        Assert.That(messages, Has.Some.Contains("KVM internal error"));
    }

    [Test]
    public async Task A_guest_that_powers_off_cleanly_after_an_earlier_crash_is_no_fault()
    {
        var id = await CreateActiveServerAsync();
        var instance = Path.Combine(Cloud.DataDirectory, "compute", "instances", id);
        Directory.CreateDirectory(instance);
        await File.AppendAllTextAsync(Path.Combine(instance, "vmm.log"), "cloudbox vmm: guest crashed: an earlier run\n");
        // A new run starts here: only what it writes counts.
        VmmExitReport.MarkStart(instance);
        Driver.GuestPowersOff(id);
        var server = await WaitForStatusAsync(id, "SHUTOFF");
        Assert.That(server["fault"], Is.Null);
    }

    [Test]
    public void The_console_log_keeps_earlier_runs_and_stays_bounded()
    {
        var directory = Directory.CreateTempSubdirectory("cloudbox-console-").FullName;
        try
        {
            var console = Path.Combine(directory, "console.log");
            File.WriteAllText(console, "first boot\nfirst panic\n");
            ConsoleHistory.Keep(console);
            File.WriteAllText(console, "second boot\n");
            Assert.That(ConsoleHistory.ReadAll(console), Is.EqualTo("first boot\nfirst panic\nsecond boot\n"));

            var line = new string('x', 1023) + "\n";
            for (var run = 0; run < 3; run++)
            {
                File.WriteAllText(console, string.Concat(Enumerable.Repeat(line, 700)) + $"run {run} end\n");
                ConsoleHistory.Keep(console);
            }
            Assert.That(new FileInfo(ConsoleHistory.PreviousPath(console)).Length, Is.LessThanOrEqualTo(ConsoleHistory.MaxBytes));
            var all = ConsoleHistory.ReadAll(console);
            Assert.That(all, Does.EndWith("run 2 end\n"));
            Assert.That(all, Does.Not.Contain("first boot"), "the oldest output is dropped first");
            Assert.That(all.Split('\n')[0], Is.EqualTo(line.TrimEnd('\n')).Or.StartsWith("run "), "kept from a line start");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
