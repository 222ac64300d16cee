using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Compute;
using CloudBox.Core.Data;
using CloudBox.Telemetry.Collection;
using CloudBox.Telemetry.Storage;
using CloudBox.Telemetry.Tests.Api;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CloudBox.Telemetry.Tests.Collection;

/// <summary>
/// The VM pollster over what Compute reports for a running VM: its process's CPU and memory read
/// from /proc (this test process stands in for the VMM), and its disks' counters as the VMM's
/// control API gives them, recorded as Ceilometer's instance and instance_disk resources.
/// </summary>
public class VmPollsterTests(DatabaseEngine engine) : TelemetryFixture(engine)
{
    /// <summary>One VM whose VMM process is this test process, with one disk whose counters the test sets.</summary>
    private sealed class OneVm(RunningVm vm) : IVmStatistics
    {
        public VmDiskCounters Disk { get; set; } = new("vda", 0, 0, 0, 0);

        public Task<IReadOnlyList<RunningVm>> ListAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<RunningVm>>([vm]);

        public Dictionary<string, long> Exits { get; set; } = [];

        public Task<IReadOnlyList<VmDiskCounters>> DiskCountersAsync(RunningVm running, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<VmDiskCounters>>([Disk]);

        public Task<VmmCounters> CountersAsync(RunningVm running, CancellationToken cancellationToken) =>
            Task.FromResult(new VmmCounters([Disk], Exits));
    }

    private async Task<double> LatestAsync(string type, string id, string metric)
    {
        var (status, measures, _) = await Cloud.SendAsync(HttpMethod.Get, $"/metric/v1/resource/{type}/{id}/metric/{metric}/measures?refresh=true&granularity=1", AdminToken);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), $"{type} {id} {metric}");
        return measures!.AsArray()[^1]![2]!.GetValue<double>();
    }

    [Test]
    public async Task ARunningVmsCpuMemoryAndDiskCountersAreMeasuredEachPoll()
    {
        var server = Guid.NewGuid().ToString();
        var vms = new OneVm(new RunningVm(server, "polled-vm", "p-poll", "u-poll", 2, 512, Environment.ProcessId, "/nonexistent.sock", [], "active"));
        var clock = new ManualClock(DateTimeOffset.UtcNow.AddMinutes(-1));
        var pollster = new VmPollster(vms, Cloud.Services.GetRequiredService<CollectorResources>(), Cloud.Services.GetRequiredService<MeasureService>(),
            new TelemetrySettings(), clock, NullLogger<VmPollster>.Instance);

        vms.Disk = new VmDiskCounters("vda", 4096, 512, 3, 1);
        await pollster.PollAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(10));
        vms.Disk = new VmDiskCounters("vda", 65536, 1024, 20, 2);
        // The VMM's exits by KVM reason: I/O, MMIO and HLT have meters of their own, the rest are summed.
        vms.Exits = new Dictionary<string, long> { ["Io"] = 1200, ["Mmio"] = 340, ["Hlt"] = 56, ["X86RdMsr"] = 7, ["IrqWindowOpen"] = 3 };
        await pollster.PollAsync(CancellationToken.None);

        var (status, instance, _) = await Cloud.SendAsync(HttpMethod.Get, $"/metric/v1/resource/instance/{server}", AdminToken);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(instance!["display_name"]!.GetValue<string>(), Is.EqualTo("polled-vm"));
        Assert.That(await LatestAsync("instance", server, "cpu"), Is.GreaterThan(0), "this process has used CPU");
        Assert.That(await LatestAsync("instance", server, "memory.usage"), Is.GreaterThan(1), "this process's RSS in MB");
        Assert.That(await LatestAsync("instance", server, "vcpus"), Is.EqualTo(2));
        Assert.That(await LatestAsync("instance", server, "cloudbox.vm.exits.io"), Is.EqualTo(1200));
        Assert.That(await LatestAsync("instance", server, "cloudbox.vm.exits.mmio"), Is.EqualTo(340));
        Assert.That(await LatestAsync("instance", server, "cloudbox.vm.exits.hlt"), Is.EqualTo(56));
        Assert.That(await LatestAsync("instance", server, "cloudbox.vm.exits.other"), Is.EqualTo(10));

        var disk = CollectorResources.StoredId(VmPollster.DiskId(server, "vda"));
        (status, var diskResource, _) = await Cloud.SendAsync(HttpMethod.Get, $"/metric/v1/resource/instance_disk/{disk}", AdminToken);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(diskResource!["name"]!.GetValue<string>(), Is.EqualTo("vda"));
        Assert.That(diskResource["instance_id"]!.GetValue<string>(), Is.EqualTo(server));
        Assert.That(diskResource["original_resource_id"]!.GetValue<string>(), Is.EqualTo(server + "-vda"));
        Assert.That(await LatestAsync("instance_disk", disk, "disk.device.read.bytes"), Is.EqualTo(65536));
        Assert.That(await LatestAsync("instance_disk", disk, "disk.device.write.bytes"), Is.EqualTo(1024));
        Assert.That(await LatestAsync("instance_disk", disk, "disk.device.read.requests"), Is.EqualTo(20));
        Assert.That(await LatestAsync("instance_disk", disk, "disk.device.write.requests"), Is.EqualTo(2));
        var (_, readBytes, _) = await Cloud.SendAsync(HttpMethod.Get, $"/metric/v1/resource/instance_disk/{disk}/metric/disk.device.read.bytes/measures?granularity=1", AdminToken);
        Assert.That(readBytes!.AsArray().Select(p => p![2]!.GetValue<double>()), Is.EqualTo(new[] { 4096.0, 65536.0 }), "one measure per poll");

        using var scrape = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        scrape.Headers.Add("X-Auth-Token", AdminToken);
        using var response = await Cloud.Client.SendAsync(scrape);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(text, Does.Contain($"cloudbox_server_disk_read_bytes_total{{project_id=\"p-poll\",server_id=\"{server}\",name=\"polled-vm\",disk=\"vda\"}} 65536\n"));
        Assert.That(text, Does.Contain($"cloudbox_server_exits_mmio_total{{project_id=\"p-poll\",server_id=\"{server}\",name=\"polled-vm\"}} 340\n"));
    }

    /// <summary>A clock the test moves.</summary>
    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
