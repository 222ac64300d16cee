using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Telemetry.Collection;
using CloudBox.Testing;

namespace CloudBox.Telemetry.Tests.Collection;

/// <summary>
/// This host metered every poll under Ceilometer's names: <c>nova_compute</c> CPU time and
/// percentages, <c>host</c> memory and load, <c>host_disk</c> for the data directory.
/// </summary>
[TestFixture(DatabaseEngine.Sqlite)]
[TestFixture(DatabaseEngine.Postgres)]
public class HostMeterTests(DatabaseEngine engine)
{
    private TestCloud _cloud = null!;
    private string _token = "";

    [OneTimeSetUp]
    public async Task StartCloud()
    {
        _cloud = await TestCloud.StartAsync(engine,
            new TelemetryModule(new TelemetrySettings { PollInterval = TimeSpan.FromMilliseconds(500), EvaluationInterval = TimeSpan.FromSeconds(1) }));
        _token = await _cloud.AdminTokenAsync();
    }

    [OneTimeTearDown]
    public async Task StopCloud() => await _cloud.DisposeAsync();

    /// <summary>Waits until the metric has at least <paramref name="count"/> measures; returns their values, oldest first.</summary>
    private async Task<List<double>> WaitForMeasuresAsync(string type, string id, string metric, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            var (status, measures, _) = await _cloud.SendAsync(HttpMethod.Get, $"/metric/v1/resource/{type}/{id}/metric/{metric}/measures?refresh=true&granularity=1", _token);
            last = measures?.ToJsonString() ?? status.ToString();
            if (status == HttpStatusCode.OK && measures is JsonArray points && points.Count >= count)
                return points.Select(p => p![2]!.GetValue<double>()).ToList();
            await Task.Delay(250);
        }
        Assert.Fail($"{type} {id} {metric}: fewer than {count} measures within 30 s (last read {last})");
        return null!;
    }

    [Test]
    public async Task TheComputeNodesCpuIsMeasuredAsGrowingTimesAndPercentages()
    {
        var id = CollectorResources.StoredId(HostPollster.ComputeNodeId);
        var user = await WaitForMeasuresAsync("nova_compute", id, "compute.node.cpu.user.time", 3);
        Assert.That(user, Is.Ordered.Ascending, "CPU time since boot never goes back");
        Assert.That(user[^1], Is.GreaterThan(user[0]), "the host spent user time between polls");
        var percent = await WaitForMeasuresAsync("nova_compute", id, "compute.node.cpu.percent", 2);
        Assert.That(percent, Is.All.InRange(0.0, 100.0));
        var (status, resource, _) = await _cloud.SendAsync(HttpMethod.Get, $"/metric/v1/resource/nova_compute/{id}", _token);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(resource!["host_name"]!.GetValue<string>(), Is.EqualTo(Environment.MachineName));
        Assert.That(resource["ended_at"], Is.Null);
    }

    [Test]
    public async Task TheHostsMemoryAndTheDataDirectorysDiskAreMeasured()
    {
        var host = CollectorResources.StoredId(HostPollster.HostName);
        var total = await WaitForMeasuresAsync("host", host, "hardware.memory.total", 2);
        var memTotal = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        Assert.That(total[^1], Is.EqualTo(double.Parse(memTotal.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture)));
        var used = await WaitForMeasuresAsync("host", host, "hardware.memory.used", 2);
        Assert.That(used[^1], Is.GreaterThan(0).And.LessThan(total[^1]));
        await WaitForMeasuresAsync("host", host, "hardware.cpu.load.1min", 2);

        var disk = CollectorResources.StoredId(HostPollster.DiskId(_cloud.Options.DataDirectory));
        var size = await WaitForMeasuresAsync("host_disk", disk, "hardware.disk.size.total", 2);
        var drive = new DriveInfo(_cloud.Options.DataDirectory);
        Assert.That(size[^1], Is.EqualTo(drive.TotalSize / 1024).Within(1));
        var diskUsed = await WaitForMeasuresAsync("host_disk", disk, "hardware.disk.size.used", 2);
        Assert.That(diskUsed[^1], Is.GreaterThan(0).And.LessThanOrEqualTo(size[^1]));
        var (_, resource, _) = await _cloud.SendAsync(HttpMethod.Get, $"/metric/v1/resource/host_disk/{disk}", _token);
        Assert.That(resource!["device_name"]!.GetValue<string>(), Is.EqualTo(_cloud.Options.DataDirectory));
    }

    [Test]
    public async Task ServesOwnRequestRateAndLatencyAreMeasuresOnTheHost()
    {
        var host = CollectorResources.StoredId(HostPollster.HostName);
        // The test's own reads are requests to the Gnocchi API (module "telemetry"): at least two polls see them.
        var rates = await WaitForMeasuresAsync("host", host, "cloudbox.serve.request.rate", 2);
        Assert.That(rates.Max(), Is.GreaterThan(0), "requests were answered between polls");
        var latency = await WaitForMeasuresAsync("host", host, "cloudbox.serve.request.latency", 1);
        var p99 = await WaitForMeasuresAsync("host", host, "cloudbox.serve.request.latency.p99", 1);
        Assert.That(latency, Is.All.GreaterThan(0.0));
        Assert.That(p99, Is.All.InRange(0.001, 10_000.0));
        var metricRates = await WaitForMeasuresAsync("host", host, "cloudbox.serve.telemetry.request.rate", 1);
        Assert.That(metricRates.Max(), Is.GreaterThan(0), "the Telemetry module's own rate");
    }

    [Test]
    public void RequestLatencyQuantileInterpolatesWithinItsBucket()
    {
        // Buckets (s): ≤0.005, ≤0.01, ≤0.025, …; 100 requests, 98 under 5 ms and 2 in (10 ms, 25 ms].
        var buckets = new long[11];
        buckets[0] = 98;
        buckets[2] = 2;
        Assert.That(global::CloudBox.Telemetry.Prometheus.RequestMetrics.Quantile(buckets, 100, 0.5), Is.EqualTo(0.005 * 50 / 98).Within(1e-9));
        Assert.That(global::CloudBox.Telemetry.Prometheus.RequestMetrics.Quantile(buckets, 100, 0.99), Is.EqualTo(0.01 + 0.015 * 0.5).Within(1e-9));
        Assert.That(global::CloudBox.Telemetry.Prometheus.RequestMetrics.Quantile(buckets, 0, 0.99), Is.Zero);
    }

    [Test]
    public void ProcFilesParseByCeilometersSplit()
    {
        var cpu = HostCounters.ParseCpu("cpu  100 20 30 400 5 6 7 8 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n")!.Value;
        const long tick = 10_000_000;
        Assert.That(cpu.User, Is.EqualTo(120 * tick));
        Assert.That(cpu.Kernel, Is.EqualTo(43 * tick));
        Assert.That(cpu.Idle, Is.EqualTo(400 * tick));
        Assert.That(cpu.IoWait, Is.EqualTo(5 * tick));
        Assert.That(cpu.Total, Is.EqualTo(576 * tick));
        Assert.That(HostCounters.ParseCpu("intr 1 2 3\n"), Is.Null);
        Assert.That(HostCounters.ParseCpu("cpu  x y\n"), Is.Null);

        var memory = HostCounters.ParseMemory("MemTotal:       1000 kB\nMemFree:  100 kB\nMemAvailable:    600 kB\nBuffers: 50 kB\nCached: 200 kB\nSwapTotal: 64 kB\nSwapFree: 60 kB\n")!.Value;
        Assert.That((memory.Total, memory.Used, memory.Buffers, memory.Cached, memory.SwapTotal, memory.SwapFree), Is.EqualTo((1000L, 400L, 50L, 200L, 64L, 60L)));
        var old = HostCounters.ParseMemory("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 200 kB\n")!.Value;
        Assert.That(old.Used, Is.EqualTo(650));
        Assert.That(HostCounters.ParseMemory("garbage"), Is.Null);

        Assert.That(HostCounters.ParseLoad("0.50 1.25 2.00 1/100 42\n"), Is.EqualTo((0.5, 1.25, 2.0)));
        Assert.That(HostCounters.ParseLoad("nonsense"), Is.Null);
    }
}
