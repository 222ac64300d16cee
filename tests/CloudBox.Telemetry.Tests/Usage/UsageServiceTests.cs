using CloudBox.Core.Api;
using CloudBox.Core.Data;
using CloudBox.Telemetry.Api;
using CloudBox.Telemetry.Data;
using CloudBox.Telemetry.Indexer;
using CloudBox.Telemetry.Storage;
using CloudBox.Telemetry.Usage;
using CloudBox.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace CloudBox.Telemetry.Tests.Usage;

/// <summary>
/// The usage service against the store directly: the bound on resources (counted in SQL, alive in
/// the period only), a series too fine for the bound merged into coarser buckets with the same
/// answer, and which line of a policy a period is read at.
/// </summary>
[TestFixture(DatabaseEngine.Sqlite)]
[TestFixture(DatabaseEngine.Postgres)]
public class UsageServiceTests(DatabaseEngine engine)
{
    private const long Second = ArchivePolicy.NanosPerSecond;
    private static readonly DateTimeOffset Day = new(2024, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private Database _database = null!;
    private ArchivePolicyStore _policies = null!;
    private MeasureStore _measures = null!;

    [SetUp]
    public async Task OpenDatabase()
    {
        _database = await TestDatabases.OpenAsync(engine);
        await new MigrationRunner(_database, NullLogger<MigrationRunner>.Instance).ApplyAsync("telemetry", TelemetrySchema.Migrations);
        _policies = new ArchivePolicyStore(_database);
        foreach (var policy in ArchivePolicy.Defaults)
            await _policies.InsertAsync(policy, CancellationToken.None);
        await _policies.InsertAsync(new ArchivePolicy("fine", 0, [new ArchivePolicyItem(Second, 400_000)], ["mean", "min", "max"]), CancellationToken.None);
        var types = new ResourceTypeStore(_database);
        foreach (var type in ResourceType.BuiltIn())
            await types.InsertAsync(type, CancellationToken.None);
        _measures = new MeasureStore(_database, _policies);
    }

    [TearDown]
    public async Task CloseDatabase() => await _database.DisposeAsync();

    private UsageService Service(int maxResources = 5_000) => new(new UsageStore(_database), _policies,
        new MeasureProcessor(_measures, new MeasureSignal(), new TelemetrySettings(), NullLogger<MeasureProcessor>.Instance),
        new TelemetrySettings { UsageMaxResources = maxResources }, TimeProvider.System);

    private async Task<Guid> VolumeAsync(string project, string policy, DateTimeOffset started, DateTimeOffset? ended = null)
    {
        var id = Guid.NewGuid().ToString();
        var metric = Guid.NewGuid();
        var resource = new ResourceRecord
        {
            Id = id, Type = "volume", OriginalResourceId = id, ProjectId = project,
            StartedAt = GnocchiTime.FormatInstant(started), EndedAt = ended is { } e ? GnocchiTime.FormatInstant(e) : null,
            RevisionStart = GnocchiTime.FormatInstant(started), Attributes = "{}",
        };
        Assert.That(await new ResourceStore(_database).InsertAsync(resource,
            [new MetricRecord { Id = metric.ToString(), Name = "volume.size", ArchivePolicyName = policy, ResourceId = id }], CancellationToken.None), Is.True);
        return metric;
    }

    private static UsagePeriod Period(DateTimeOffset start, DateTimeOffset end) => new(GnocchiTime.ToNanos(start), GnocchiTime.ToNanos(end));

    [Test]
    public async Task MoreResourcesThanTheBoundAliveInThePeriodIsA400()
    {
        var project = "bound-" + Guid.NewGuid().ToString("N")[..6];
        await VolumeAsync(project, "low", Day);
        await VolumeAsync(project, "low", Day);
        // Ended before the period: not counted.
        await VolumeAsync(project, "low", Day.AddDays(-2), Day.AddDays(-1));
        var service = Service(maxResources: 2);
        var report = await service.ReportAsync(project, Period(Day, Day.AddDays(1)), CancellationToken.None);
        Assert.That(report.Resources, Is.EqualTo(2));

        await VolumeAsync(project, "low", Day.AddHours(1));
        var fault = Assert.ThrowsAsync<ApiFault>(() => service.ReportAsync(project, Period(Day, Day.AddDays(1)), CancellationToken.None));
        Assert.Multiple(() =>
        {
            Assert.That(fault!.StatusCode, Is.EqualTo(400));
            Assert.That(fault.Message, Does.StartWith($"Too many resources: project {project} had 3 metered resources in the period, a report reads at most 2"));
        });
        // A period before the third one started is within the bound again.
        Assert.That((await service.ReportAsync(project, Period(Day, Day.AddMinutes(30)), CancellationToken.None)).Resources, Is.EqualTo(2));
    }

    [Test]
    public async Task ASeriesTooFineForTheBoundIsMergedWithTheSameAnswer()
    {
        var project = "fine-" + Guid.NewGuid().ToString("N")[..6];
        var metric = await VolumeAsync(project, "fine", Day);
        // Two days of one reading a minute, kept at 1 s: 174,600 buckets to cover, merged two by two.
        var points = new List<MeasurePoint>();
        for (var t = Day; t < Day.AddDays(2); t = t.AddMinutes(1))
            points.Add(new MeasurePoint(GnocchiTime.ToNanos(t), 3));
        await _measures.EnqueueAsync(new Dictionary<Guid, List<MeasurePoint>> { [metric] = points }, CancellationToken.None);
        var report = await Service().ReportAsync(project, Period(Day, Day.AddDays(2)), CancellationToken.None);
        Assert.That(report.VolumeGbHours, Is.EqualTo(3 * 48.0).Within(1e-6));
        var half = await Service().ReportAsync(project, Period(Day.AddHours(12), Day.AddHours(36)), CancellationToken.None);
        Assert.That(half.VolumeGbHours, Is.EqualTo(3 * 24.0).Within(1e-6));
    }

    [Test]
    public void APeriodIsReadAtTheFinestLineStillHoldingIt()
    {
        var high = ArchivePolicy.Defaults.Single(p => p.Name == "high");
        var newest = GnocchiTime.ToNanos(Day.AddDays(30));
        long? Newest(long granularity) => SeriesSplit.SplitStartFor(newest, granularity);
        ArchivePolicyItem? Chosen(TimeSpan back, TimeSpan length) =>
            UsageService.ChooseItem(high, Newest, newest - (long)(back.TotalSeconds * Second), newest - (long)(back.TotalSeconds * Second) + (long)(length.TotalSeconds * Second));
        Assert.Multiple(() =>
        {
            Assert.That(Chosen(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10))!.GranularityNs, Is.EqualTo(Second), "the last hour is held at 1 s");
            Assert.That(Chosen(TimeSpan.FromHours(3), TimeSpan.FromHours(1))!.GranularityNs, Is.EqualTo(60 * Second), "the last week at 60 s");
            Assert.That(Chosen(TimeSpan.FromDays(20), TimeSpan.FromDays(1))!.GranularityNs, Is.EqualTo(3600 * Second), "older at 3600 s");
            Assert.That(Chosen(TimeSpan.FromDays(800), TimeSpan.FromDays(1))!.GranularityNs, Is.EqualTo(3600 * Second), "beyond every line: the one reaching furthest back");
            Assert.That(UsageService.ChooseItem(high, g => g == Second ? null : Newest(g), newest - 600 * Second, newest)!.GranularityNs, Is.EqualTo(60 * Second), "a line without data is passed over");
            Assert.That(UsageService.ChooseItem(high, _ => null, newest - 600 * Second, newest), Is.Null, "no aggregates: nothing to read");
        });
    }
}
