using CloudBox.Core.Data;
using CloudBox.Telemetry.Data;
using CloudBox.Telemetry.Indexer;
using CloudBox.Telemetry.Storage;
using CloudBox.Testing;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;

namespace CloudBox.Telemetry.Tests.Storage;

/// <summary>
/// Acknowledged measures are rows before they are aggregates: a crash before or during
/// aggregation loses none and doubles none; another process (as after a restart) picks them up.
/// </summary>
[TestFixture(DatabaseEngine.Sqlite)]
[TestFixture(DatabaseEngine.Postgres)]
public class MeasureQueueTests(DatabaseEngine engine)
{
    private const long Second = ArchivePolicy.NanosPerSecond;
    private Database _database = null!;

    [SetUp]
    public async Task OpenDatabase()
    {
        _database = await TestDatabases.OpenAsync(engine);
        await new MigrationRunner(_database, NullLogger<MigrationRunner>.Instance).ApplyAsync("telemetry", TelemetrySchema.Migrations);
        var policies = new ArchivePolicyStore(_database);
        await policies.InsertAsync(new ArchivePolicy("p", 0, [new ArchivePolicyItem(Second, 3600)], ["sum", "count"]), CancellationToken.None);
    }

    [TearDown]
    public async Task CloseDatabase() => await _database.DisposeAsync();

    private async Task<Guid> MetricAsync()
    {
        var id = Guid.NewGuid();
        await new MetricStore(_database).InsertAsync(new MetricRecord { Id = id.ToString(), Name = "m", ArchivePolicyName = "p" }, CancellationToken.None);
        return id;
    }

    private Dictionary<Guid, List<MeasurePoint>> Measures(Guid metric, int from, int count) =>
        new() { [metric] = [.. Enumerable.Range(from, count).Select(s => new MeasurePoint(s * Second, 1))] };

    [Test]
    public async Task QueuedMeasuresAreAggregatedByAFreshProcessOnce()
    {
        var metric = await MetricAsync();
        // The "crashed" process queued and acknowledged; nothing aggregated yet.
        await new MeasureStore(_database, new ArchivePolicyStore(_database)).EnqueueAsync(Measures(metric, 0, 100), CancellationToken.None);
        await new MeasureStore(_database, new ArchivePolicyStore(_database)).EnqueueAsync(Measures(metric, 100, 50), CancellationToken.None);

        var restarted = new MeasureStore(_database, new ArchivePolicyStore(_database));
        Assert.That(await restarted.ProcessAsync(CancellationToken.None), Is.EqualTo(150));
        Assert.That(await restarted.ProcessAsync(CancellationToken.None), Is.Zero, "nothing is processed twice");
        var points = await restarted.ReadAsync(metric.ToString(), new ArchivePolicyItem(Second, 3600), "count", null, null, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(points, Has.Count.EqualTo(150));
            Assert.That(points.All(p => p.Value == 1), Is.True);
        });
    }

    [Test]
    public async Task AnInterruptedAggregationLeavesTheMeasuresQueued()
    {
        var metric = await MetricAsync();
        var store = new MeasureStore(_database, new ArchivePolicyStore(_database));
        await store.EnqueueAsync(Measures(metric, 0, 10), CancellationToken.None);
        // A split that cannot be decoded makes the pass fail midway, as a crash would: it rolls back whole.
        await using (var connection = await _database.OpenAsync())
        {
            await connection.ExecuteAsync("INSERT INTO telemetry_splits (metric_id, granularity, split_start, data) VALUES (@id, @g, 0, @data)",
                new { id = metric.ToString(), g = Second, data = new byte[] { 99 } });
        }
        Assert.ThrowsAsync<InvalidDataException>(() => store.ProcessAsync(CancellationToken.None));
        Assert.That((await store.BacklogAsync(CancellationToken.None)).Measures, Is.EqualTo(10));

        await using (var connection = await _database.OpenAsync())
            await connection.ExecuteAsync("DELETE FROM telemetry_splits");
        Assert.That(await store.ProcessAsync(CancellationToken.None), Is.EqualTo(10));
        var sums = await store.ReadAsync(metric.ToString(), new ArchivePolicyItem(Second, 3600), "sum", null, null, CancellationToken.None);
        Assert.That(sums, Has.Count.EqualTo(10));
    }

    [Test]
    public async Task OnePassOverManyMetricsAggregatesEachAsItsOwnAndAppliesRetention()
    {
        // A policy of 10 one-second points: retention drops what is older than the last 10 seconds.
        var policies = new ArchivePolicyStore(_database);
        await policies.InsertAsync(new ArchivePolicy("short", 0, [new ArchivePolicyItem(Second, 10), new ArchivePolicyItem(5 * Second, 4)], ["sum", "count", "last"]),
            CancellationToken.None);
        var metrics = new List<Guid>();
        for (var i = 0; i < 40; i++)
        {
            var id = Guid.NewGuid();
            await new MetricStore(_database).InsertAsync(new MetricRecord { Id = id.ToString(), Name = "m" + i, ArchivePolicyName = "short" }, CancellationToken.None);
            metrics.Add(id);
        }
        var store = new MeasureStore(_database, policies);
        // Two polls of every metric queued before one pass: metric i measures i at 0..4 s, then i + 1 at 5..7 s.
        await store.EnqueueAsync(metrics.Select((m, i) => (m, i)).ToDictionary(x => x.m, x => Enumerable.Range(0, 5).Select(s => new MeasurePoint(s * Second, x.i)).ToList()), CancellationToken.None);
        await store.EnqueueAsync(metrics.Select((m, i) => (m, i)).ToDictionary(x => x.m, x => Enumerable.Range(5, 3).Select(s => new MeasurePoint(s * Second, x.i + 1)).ToList()), CancellationToken.None);
        Assert.That(await store.ProcessAsync(CancellationToken.None), Is.EqualTo(40 * 8));
        for (var i = 0; i < metrics.Count; i++)
        {
            var sums = await store.ReadAsync(metrics[i].ToString(), new ArchivePolicyItem(5 * Second, 4), "sum", null, null, CancellationToken.None);
            Assert.That(sums, Is.EqualTo(new[] { new MeasurePoint(0, 5.0 * i), new MeasurePoint(5 * Second, 3.0 * (i + 1)) }), $"metric {i}");
        }
        // A later pass moves the retention window: the 1 s buckets before 20 s - 10 s + 1 s are gone, the rest kept.
        await store.EnqueueAsync(metrics.ToDictionary(m => m, m => new List<MeasurePoint> { new(20 * Second, 1) }), CancellationToken.None);
        Assert.That(await store.ProcessAsync(CancellationToken.None), Is.EqualTo(40));
        foreach (var metric in metrics)
        {
            var counts = await store.ReadAsync(metric.ToString(), new ArchivePolicyItem(Second, 10), "count", null, null, CancellationToken.None);
            Assert.That(counts.Select(p => p.Timestamp), Is.EqualTo(new[] { 20 * Second }));
        }
    }
}
