using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Core.Modules;
using CloudBox.Telemetry.Tests.Api;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Telemetry.Tests.Usage;

/// <summary>
/// The usage report over hand-built measures with known answers: a gauge's value × hours (dense,
/// sparse with a gap, clipped to the resource's life), a counter's increase across a reset,
/// periods that cut the series and add up, project isolation, bad periods, and the admin verb.
/// </summary>
public class UsageReportTests(DatabaseEngine engine) : TelemetryFixture(engine)
{
    private const double GiB = 1024.0 * 1024 * 1024;
    private static readonly DateTimeOffset Day = new(2024, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static string At(int hour, int minute, int second = 0) =>
        Day.AddHours(hour).AddMinutes(minute).AddSeconds(second).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);

    private async Task<string> ResourceAsync(string type, string project, string policy, string[] metrics, string startedAt, string? endedAt = null, JsonObject? attributes = null)
    {
        var id = Guid.NewGuid().ToString();
        var metricMap = new JsonObject();
        foreach (var metric in metrics)
            metricMap[metric] = new JsonObject { ["archive_policy_name"] = policy };
        var body = attributes ?? new JsonObject();
        body["id"] = id;
        body["project_id"] = project;
        body["started_at"] = startedAt;
        if (endedAt is not null)
            body["ended_at"] = endedAt;
        body["metrics"] = metricMap;
        var (status, created, _) = await Cloud.SendAsync(HttpMethod.Post, $"/metric/v1/resource/{type}", AdminToken, body);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), created?.ToJsonString());
        return id;
    }

    /// <summary>Posts measures every <paramref name="step"/> seconds from <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive), value by sample index.</summary>
    private async Task MeasuresAsync(string resource, string metric, string from, string to, int step, Func<int, double> value)
    {
        var start = DateTimeOffset.Parse(from + "Z", CultureInfo.InvariantCulture);
        var end = DateTimeOffset.Parse(to + "Z", CultureInfo.InvariantCulture);
        var list = new JsonArray();
        var i = 0;
        for (var t = start; t < end; t = t.AddSeconds(step), i++)
            list.Add(new JsonObject { ["timestamp"] = t.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture), ["value"] = value(i) });
        var (status, body, _) = await Cloud.SendAsync(HttpMethod.Post, "/metric/v1/batch/resources/metrics/measures", AdminToken,
            new JsonObject { [resource] = new JsonObject { [metric] = list } });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
    }

    private async Task<JsonNode> ReportAsync(string project, string start, string end, string? token = null)
    {
        var (status, body, _) = await Cloud.SendAsync(HttpMethod.Get, $"/metric/v1/usage?project_id={project}&start={start}&end={end}", token ?? AdminToken);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        return body!;
    }

    private static double Field(JsonNode report, string name) => report[name]!.GetValue<double>();

    [Test]
    public async Task VcpuHoursAreTheGaugeTimesHoursAndCpuHoursTheCounterRiseAcrossAReset()
    {
        var project = Unique("usage-cpu");
        var server = await ResourceAsync("instance", project, "high", ["vcpus", "cpu"], At(9, 0),
            attributes: new JsonObject { ["host"] = "h", ["display_name"] = "vm", ["flavor_id"] = "1" });
        // Two hours of 10-second samples: 2 vCPUs; CPU time growing 1 s per sample from 5,000 s,
        // then the VMM restarts at 11:00 and the counter starts again from 0 (first reading 1 s).
        await MeasuresAsync(server, "vcpus", At(10, 0), At(12, 0), 10, _ => 2);
        await MeasuresAsync(server, "cpu", At(10, 0), At(12, 0), 10, i => i < 360 ? 5_000e9 + i * 1e9 : (i - 359) * 1e9);

        var whole = await ReportAsync(project, At(10, 0), At(12, 0));
        Assert.Multiple(() =>
        {
            Assert.That(Field(whole, "vcpu_hours"), Is.EqualTo(4.0).Within(1e-6), whole.ToJsonString());
            // 359 s before the restart (first to last reading) + 360 s after it (from 0 to 360 s).
            Assert.That(Field(whole, "cpu_hours"), Is.EqualTo(719 / 3600.0).Within(1e-6), whole.ToJsonString());
            Assert.That(whole["resources"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(whole["metrics"]!.GetValue<int>(), Is.EqualTo(2));
            Assert.That(whole["start"]!.GetValue<string>(), Is.EqualTo("2024-03-01T10:00:00+00:00"));
        });

        // A period cutting the series: one hour, the reset inside it; the rise into its first sample counts.
        var middle = await ReportAsync(project, At(10, 30), At(11, 30));
        Assert.Multiple(() =>
        {
            Assert.That(Field(middle, "vcpu_hours"), Is.EqualTo(2.0).Within(1e-6), middle.ToJsonString());
            Assert.That(Field(middle, "cpu_hours"), Is.EqualTo(360 / 3600.0).Within(1e-6), middle.ToJsonString());
        });

        // Consecutive periods add up to the whole.
        var first = await ReportAsync(project, At(10, 0), At(11, 0));
        var second = await ReportAsync(project, At(11, 0), At(12, 0));
        Assert.Multiple(() =>
        {
            Assert.That(Field(first, "cpu_hours") + Field(second, "cpu_hours"), Is.EqualTo(Field(whole, "cpu_hours")).Within(1e-6));
            Assert.That(Field(first, "vcpu_hours") + Field(second, "vcpu_hours"), Is.EqualTo(4.0).Within(1e-6));
        });

        // Before the series and after it: nothing.
        var before = await ReportAsync(project, At(7, 0), At(9, 0));
        Assert.That(Field(before, "vcpu_hours") + Field(before, "cpu_hours"), Is.Zero, before.ToJsonString());
    }

    [Test]
    public async Task NetworkBytesAreCounterDeltasWithAReset()
    {
        var project = Unique("usage-net");
        var nic = await ResourceAsync("instance_network_interface", project, "high", ["network.incoming.bytes", "network.outgoing.bytes"], At(10, 0),
            attributes: new JsonObject { ["name"] = "tap0", ["instance_id"] = Guid.NewGuid().ToString() });
        double[] incoming = [0, 100, 200, 50, 150];
        await MeasuresAsync(nic, "network.incoming.bytes", At(10, 0), At(10, 0, 50), 10, i => incoming[i]);
        await MeasuresAsync(nic, "network.outgoing.bytes", At(10, 0), At(10, 0, 50), 10, i => 1000 + i * 10);
        var report = await ReportAsync(project, At(10, 0), At(11, 0));
        Assert.Multiple(() =>
        {
            // 100 + 100, the reset to 50 (50 since the restart), + 100.
            Assert.That(report["network_incoming_bytes"]!.GetValue<long>(), Is.EqualTo(350), report.ToJsonString());
            Assert.That(report["network_outgoing_bytes"]!.GetValue<long>(), Is.EqualTo(40), report.ToJsonString());
        });
    }

    [Test]
    public async Task StorageGaugesCountOnlyWhileSampledAndWhileTheResourceLived()
    {
        var project = Unique("usage-store");
        // An image of 1 GiB sampled every 10 s, with a 10-minute gap (no samples: not counted).
        var image = await ResourceAsync("image", project, "high", ["image.size"], At(10, 0));
        await MeasuresAsync(image, "image.size", At(10, 0), At(10, 10), 10, _ => GiB);
        await MeasuresAsync(image, "image.size", At(10, 20), At(10, 30), 10, _ => GiB);
        // A 10 GB volume that lived 10:30–11:00, although measures say more: only its life counts.
        var volume = await ResourceAsync("volume", project, "low", ["volume.size"], At(10, 30), At(11, 0), new JsonObject { ["display_name"] = "v" });
        await MeasuresAsync(volume, "volume.size", At(10, 0), At(11, 30), 60, _ => 10);
        // The project's object store: 2 GiB for the whole hour.
        var account = await ResourceAsync("swift_account", project, "medium", ["storage.objects.size"], At(9, 0));
        await MeasuresAsync(account, "storage.objects.size", At(10, 0), At(11, 0), 60, _ => 2 * GiB);

        var report = await ReportAsync(project, At(10, 0), At(11, 0));
        Assert.Multiple(() =>
        {
            Assert.That(Field(report, "image_gb_hours"), Is.EqualTo(20 / 60.0).Within(1e-6), report.ToJsonString());
            Assert.That(Field(report, "volume_gb_hours"), Is.EqualTo(5.0).Within(1e-6), report.ToJsonString());
            Assert.That(Field(report, "object_storage_gb_hours"), Is.EqualTo(2.0).Within(1e-6), report.ToJsonString());
            Assert.That(report["resources"]!.GetValue<int>(), Is.EqualTo(3));
        });
        // A period starting inside the first run of samples: 10:05–10:10 and 10:20–10:30.
        var late = await ReportAsync(project, At(10, 5), At(10, 35));
        Assert.That(Field(late, "image_gb_hours"), Is.EqualTo(15 / 60.0).Within(1e-6), late.ToJsonString());
    }

    [Test]
    public async Task AMemberReadsOnlyTheirOwnProjectAndAnAdminAny()
    {
        var (projectA, _) = await Cloud.CreateUserWithRoleAsync(AdminToken, Unique("upa"), Unique("uua"), "pw-a", "member");
        var (projectB, _) = await Cloud.CreateUserWithRoleAsync(AdminToken, Unique("upb"), Unique("uub"), "pw-b", "member");
        var (_, pa, _) = await Cloud.SendAsync(HttpMethod.Get, $"/identity/v3/projects/{projectA}", AdminToken);
        var (_, users, _) = await Cloud.SendAsync(HttpMethod.Get, "/identity/v3/users", AdminToken);
        var userA = users!["users"]!.AsArray().Select(u => u!["name"]!.GetValue<string>()).Last(n => n.StartsWith("uua", StringComparison.Ordinal));
        var tokenA = await Cloud.TokenAsync(userA, "pw-a", pa!["project"]!["name"]!.GetValue<string>());

        var volumeA = await ResourceAsync("volume", projectA, "low", ["volume.size"], At(0, 0));
        await MeasuresAsync(volumeA, "volume.size", At(10, 0), At(11, 0), 300, _ => 1);
        var volumeB = await ResourceAsync("volume", projectB, "low", ["volume.size"], At(0, 0));
        await MeasuresAsync(volumeB, "volume.size", At(10, 0), At(11, 0), 300, _ => 7);

        // The member's own project by default.
        var (status, own, _) = await Cloud.SendAsync(HttpMethod.Get, $"/metric/v1/usage?start={At(10, 0)}&end={At(11, 0)}", tokenA);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), own?.ToJsonString());
        Assert.Multiple(() =>
        {
            Assert.That(own!["project_id"]!.GetValue<string>(), Is.EqualTo(projectA));
            Assert.That(Field(own, "volume_gb_hours"), Is.EqualTo(1.0).Within(1e-6), own.ToJsonString());
        });
        var (denied, fault, _) = await Cloud.SendAsync(HttpMethod.Get, $"/metric/v1/usage?project_id={projectB}&start={At(10, 0)}&end={At(11, 0)}", tokenA);
        Assert.That(denied, Is.EqualTo(HttpStatusCode.Forbidden), fault?.ToJsonString());
        Assert.That(fault!["description"]!.GetValue<string>(), Does.Contain(projectB));
        var other = await ReportAsync(projectB, At(10, 0), At(11, 0));
        Assert.That(Field(other, "volume_gb_hours"), Is.EqualTo(7.0).Within(1e-6), other.ToJsonString());
    }

    [TestCase("end=2024-03-01T10:00:00", "Invalid value for start: a start time is required")]
    [TestCase("start=yesterday-ish&end=2024-03-01T10:00:00", "Invalid value for start: Timestamp yesterday-ish cannot be parsed")]
    [TestCase("start=2024-03-01T10:00:00&end=not-a-time", "Invalid value for end: Timestamp not-a-time cannot be parsed")]
    [TestCase("start=2024-03-01T10:00:00&end=2024-03-01T09:00:00", "Invalid period: end 2024-03-01T09:00:00+00:00 is not after start 2024-03-01T10:00:00+00:00")]
    [TestCase("start=2024-03-01T10:00:00&end=2024-03-01T10:00:00", "Invalid period: end 2024-03-01T10:00:00+00:00 is not after start")]
    [TestCase("start=2023-01-01T00:00:00&end=2024-03-01T00:00:00", "Invalid period: 425 days is longer than the 366 days one report covers")]
    [TestCase("start=9999-01-01T00:00:00&end=9999-02-01T00:00:00", "Invalid value for start: 9999-01-01T00:00:00 is outside 1970-01-01 to 2200-01-01")]
    [TestCase("start=1e30&end=2024-03-01T00:00:00", "Invalid value for start: 1e30 is outside")]
    public async Task ABadPeriodIsA400InGnocchisFaultBody(string query, string description)
    {
        var (status, body, _) = await Cloud.SendAsync(HttpMethod.Get, $"/metric/v1/usage?project_id=p&{query}", AdminToken);
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), body?.ToJsonString());
        Assert.Multiple(() =>
        {
            Assert.That(body!["code"]!.GetValue<int>(), Is.EqualTo(400));
            Assert.That(body["description"]!.GetValue<string>(), Does.StartWith(description));
        });
    }

    [Test]
    public async Task TheAdminVerbPrintsTheReportAsATableOrJson()
    {
        var project = Unique("usage-cli");
        var volume = await ResourceAsync("volume", project, "low", ["volume.size"], At(0, 0));
        await MeasuresAsync(volume, "volume.size", At(10, 0), At(12, 0), 300, _ => 3);
        var command = Cloud.Services.GetServices<IAdminCommand>().Single(c => c.Name == "usage");

        var json = new StringWriter();
        var code = await command.RunAsync(["--project", project, "--start", At(10, 0), "--end", At(12, 0), "--format", "json"], json, CancellationToken.None);
        Assert.That(code, Is.Zero);
        var report = JsonNode.Parse(json.ToString())!;
        Assert.That(Field(report, "volume_gb_hours"), Is.EqualTo(6.0).Within(1e-6), json.ToString());

        var table = new StringWriter();
        code = await command.RunAsync(["--project", project, "--start", At(10, 0), "--end", At(12, 0)], table, CancellationToken.None);
        Assert.That(code, Is.Zero);
        Assert.That(table.ToString(), Does.Match(@"(?m)^volume_gb_hours\s+6\s+GiB-hours$"), table.ToString());

        Assert.That(await command.RunAsync(["--project", project, "--start", At(12, 0), "--end", At(10, 0)], TextWriter.Null, CancellationToken.None), Is.EqualTo(2));
        Assert.That(await command.RunAsync(["--start", At(10, 0)], TextWriter.Null, CancellationToken.None), Is.EqualTo(2));
        Assert.That(await command.RunAsync(["--project", project, "--start", At(10, 0), "--format", "xml"], TextWriter.Null, CancellationToken.None), Is.EqualTo(2));
    }
}
