using CloudBox.Core.Data;
using CloudBox.Telemetry.Data;
using CloudBox.Telemetry.Indexer;
using CloudBox.Telemetry.Storage;
using CloudBox.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace CloudBox.Telemetry.Tests.Storage;

/// <summary>
/// The aggregates API reads many metrics' splits in a few batched queries: each series must be what
/// reading its metric alone gives (range, retention, method), across the query chunks and in order.
/// </summary>
[TestFixture(DatabaseEngine.Sqlite)]
[TestFixture(DatabaseEngine.Postgres)]
public class BatchedReadTests(DatabaseEngine engine)
{
    private const long Second = ArchivePolicy.NanosPerSecond;
    private Database _database = null!;
    private MeasureStore _store = null!;
    private ArchivePolicyItem _item = null!;

    [SetUp]
    public async Task OpenDatabase()
    {
        _database = await TestDatabases.OpenAsync(engine);
        await new MigrationRunner(_database, NullLogger<MigrationRunner>.Instance).ApplyAsync("telemetry", TelemetrySchema.Migrations);
        var policies = new ArchivePolicyStore(_database);
        // 1 s for 1,500 s: more than one split (1,024 buckets), and retention drops what is older than the newest bucket − 1,500 s.
        _item = new ArchivePolicyItem(Second, 1500);
        await policies.InsertAsync(new ArchivePolicy("p", 0, [_item], ["mean", "max"]), CancellationToken.None);
        _store = new MeasureStore(_database, policies);
    }

    [TearDown]
    public async Task CloseDatabase() => await _database.DisposeAsync();

    [Test]
    public async Task ManySeriesReadTogetherMatchEachMetricReadAlone()
    {
        // More metrics than one query names, so the read takes several chunks.
        var count = MeasureStore.MetricsPerQuery * 2 + 17;
        var metrics = new MetricStore(_database);
        var ids = new List<string>();
        var measures = new Dictionary<Guid, List<MeasurePoint>>();
        for (var i = 0; i < count; i++)
        {
            var id = Guid.NewGuid();
            ids.Add(id.ToString());
            await metrics.InsertAsync(new MetricRecord { Id = id.ToString(), Name = "m", ArchivePolicyName = "p" }, CancellationToken.None);
            // Metric i: value i at seconds i (then beyond retention), i + 1000 and i + 2000; the last metric has no measures.
            if (i < count - 1)
                measures[id] = [new(i * Second, i), new((i + 1000) * Second, i), new((i + 2000) * Second, i + 0.5)];
        }
        await _store.EnqueueAsync(measures, CancellationToken.None);
        while (await _store.ProcessAsync(CancellationToken.None) > 0)
        {
        }

        // Every metric, in reverse order, one of them twice with another method.
        var reads = ids.AsEnumerable().Reverse().Select(id => new SeriesRead(id, _item, "mean")).Append(new SeriesRead(ids[3], _item, "max")).ToList();
        var all = await _store.ReadManyAsync(reads, Second, null, null, CancellationToken.None);
        Assert.That(all, Has.Length.EqualTo(reads.Count));
        for (var r = 0; r < count; r++)
        {
            var i = count - 1 - r;
            var expected = i == count - 1 ? Array.Empty<MeasurePoint>() : new[] { new MeasurePoint((i + 1000) * Second, i), new MeasurePoint((i + 2000) * Second, i + 0.5) };
            Assert.That(all[r], Is.EqualTo(expected), $"metric {i}");
        }
        Assert.That(all[^1], Is.EqualTo(new[] { new MeasurePoint(1003 * Second, 3), new MeasurePoint(2003 * Second, 3.5) }));

        // A window: from 1,500 s (included) to 2,300 s (excluded).
        var window = await _store.ReadManyAsync(reads, Second, 1500 * Second, 2300 * Second, CancellationToken.None);
        for (var r = 1; r < count; r++)
        {
            var i = count - 1 - r;
            var expected = new[] { new MeasurePoint((i + 1000) * Second, i), new MeasurePoint((i + 2000) * Second, i + 0.5) }
                .Where(p => p.Timestamp >= 1500 * Second && p.Timestamp < 2300 * Second);
            Assert.That(window[r], Is.EqualTo(expected), $"metric {i} in the window");
            Assert.That(window[r], Is.EqualTo(await _store.ReadAsync(ids[i], _item, "mean", 1500 * Second, 2300 * Second, CancellationToken.None)));
        }
    }
}
