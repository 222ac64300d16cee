using CloudBox.Telemetry.Storage;

namespace CloudBox.Telemetry.Tests.Storage;

/// <summary>Every aggregation method, through the same bucket recomputation the processor runs, against values worked out by hand.</summary>
public class AggregationTests
{
    private const long Second = ArchivePolicy.NanosPerSecond;

    // Eight measures in one minute: 3 1 4 1 5 9 2 6 (at seconds 0, 5, …, 35).
    private static readonly double[] Values = [3, 1, 4, 1, 5, 9, 2, 6];

    private static readonly string[] Methods =
        ["mean", "min", "max", "sum", "count", "first", "last", "std", "median", "90pct", "10pct", "rate:sum", "rate:max", "rate:mean", "rate:last"];

    private static Dictionary<string, List<MeasurePoint>> Aggregate(ArchivePolicy policy, params List<MeasurePoint>[] pushes)
    {
        var raw = new RawSeries();
        var splits = new Dictionary<(long, long), SeriesSplit>();
        foreach (var push in pushes)
        {
            var update = new MetricUpdate(policy, raw);
            update.Prepare(push);
            update.Apply(splits);
        }
        var result = new Dictionary<string, List<MeasurePoint>>();
        foreach (var method in policy.AggregationMethods)
        {
            result[method] = [.. splits.Values.Where(s => s.Granularity == policy.Definition[0].GranularityNs)
                .OrderBy(s => s.Start).SelectMany(s => s.Read(s.MethodIndex(method)))];
        }
        return result;
    }

    private static List<MeasurePoint> Minute(long start) =>
        [.. Values.Select((v, i) => new MeasurePoint(start + i * 5 * Second, v))];

    [Test]
    public void EachMethodMatchesTheHandComputedValue()
    {
        var policy = new ArchivePolicy("all", 0, [new ArchivePolicyItem(60 * Second, 100)], Methods);
        var result = Aggregate(policy, Minute(1_700_000_040 * Second));
        double Single(string method) => result[method].Single().Value;

        Assert.Multiple(() =>
        {
            Assert.That(Single("mean"), Is.EqualTo(3.875));
            Assert.That(Single("min"), Is.EqualTo(1));
            Assert.That(Single("max"), Is.EqualTo(9));
            Assert.That(Single("sum"), Is.EqualTo(31));
            Assert.That(Single("count"), Is.EqualTo(8));
            Assert.That(Single("first"), Is.EqualTo(3));
            Assert.That(Single("last"), Is.EqualTo(6));
            // Sample deviation: squares of (v − 3.875) sum to 52.875; / 7; square root.
            Assert.That(Single("std"), Is.EqualTo(Math.Sqrt(52.875 / 7)).Within(1e-12));
            // Sorted 1 1 2 3 4 5 6 9: median (3 + 4) / 2; 90th at rank 6.3: 6 × 0.7 + 9 × 0.3; 10th at 0.7: 1.
            Assert.That(Single("median"), Is.EqualTo(3.5));
            Assert.That(Single("90pct"), Is.EqualTo(6.9).Within(1e-12));
            Assert.That(Single("10pct"), Is.EqualTo(1));
            // Differences: −2 3 −3 4 4 −7 4.
            Assert.That(Single("rate:sum"), Is.EqualTo(3));
            Assert.That(Single("rate:max"), Is.EqualTo(4));
            Assert.That(Single("rate:mean"), Is.EqualTo(3.0 / 7).Within(1e-12));
            Assert.That(Single("rate:last"), Is.EqualTo(4));
            Assert.That(result["mean"].Single().Timestamp, Is.EqualTo(1_700_000_040 * Second));
        });
    }

    [Test]
    public void StdHasNoValueForASingleMeasure()
    {
        var policy = new ArchivePolicy("p", 0, [new ArchivePolicyItem(60 * Second, 100)], ["std", "count"]);
        var result = Aggregate(policy, [new MeasurePoint(60 * Second, 4)]);
        Assert.Multiple(() =>
        {
            Assert.That(result["std"], Is.Empty);
            Assert.That(result["count"].Single().Value, Is.EqualTo(1));
        });
    }

    [Test]
    public void ALateMeasureRecomputesItsBucketAndARepeatedTimestampReplacesTheValue()
    {
        var policy = new ArchivePolicy("p", 1, [new ArchivePolicyItem(60 * Second, 100)], ["mean", "count"]);
        var result = Aggregate(policy,
            [new MeasurePoint(60 * Second, 10), new MeasurePoint(130 * Second, 1)],
            [new MeasurePoint(70 * Second, 20), new MeasurePoint(60 * Second, 30)]);
        Assert.Multiple(() =>
        {
            // Bucket 60 s: 30 (replaced 10) and 20.
            Assert.That(result["mean"].Select(p => (p.Timestamp / Second, p.Value)), Is.EqualTo(new[] { (60L, 25.0), (120L, 1.0) }));
            Assert.That(result["count"][0].Value, Is.EqualTo(2));
        });
    }

    [Test]
    public void MeasuresOlderThanTheBackWindowAreIgnored()
    {
        var policy = new ArchivePolicy("p", 0, [new ArchivePolicyItem(60 * Second, 100)], ["sum"]);
        var raw = new RawSeries();
        var splits = new Dictionary<(long, long), SeriesSplit>();
        var first = new MetricUpdate(policy, raw);
        first.Prepare([new MeasurePoint(600 * Second, 1)]);
        first.Apply(splits);
        var late = new MetricUpdate(policy, raw);
        late.Prepare([new MeasurePoint(500 * Second, 5), new MeasurePoint(610 * Second, 2)]);
        late.Apply(splits);
        Assert.Multiple(() =>
        {
            Assert.That(late.Ignored, Is.EqualTo(1));
            Assert.That(splits.Values.Single().Read(0).Select(p => p.Value), Is.EqualTo(new[] { 3.0 }));
        });
    }

    [Test]
    public void RetentionKeepsTheLastPointsOfEachGranularity()
    {
        // 1 s × 5 points and 2 s × 2 points; measures at seconds 0…9.
        var policy = new ArchivePolicy("p", 0, [new ArchivePolicyItem(Second, 5), new ArchivePolicyItem(2 * Second, 2)], ["last"]);
        var raw = new RawSeries();
        var splits = new Dictionary<(long, long), SeriesSplit>();
        for (var s = 0; s < 10; s++)
        {
            var update = new MetricUpdate(policy, raw);
            update.Prepare([new MeasurePoint(s * Second, s)]);
            update.Apply(splits);
        }
        var seconds = splits[(Second, 0)].Read(0).Select(p => p.Timestamp / Second);
        var pairs = splits[(2 * Second, 0)].Read(0).Select(p => p.Timestamp / Second);
        Assert.Multiple(() =>
        {
            Assert.That(seconds, Is.EqualTo(new long[] { 5, 6, 7, 8, 9 }));
            Assert.That(pairs, Is.EqualTo(new long[] { 6, 8 }));
        });
    }

    [Test]
    public void ASplitSurvivesEncodingWithEveryMethod()
    {
        var split = new SeriesSplit(Second, 0, ["mean", "max"]);
        split.Set(3 * Second, 0, 1.5);
        split.Set(3 * Second, 1, 2.5);
        split.Set(1000 * Second, 0, -4);
        var copy = SeriesSplit.Decode(Second, 0, split.Encode());
        Assert.Multiple(() =>
        {
            Assert.That(copy.Read(0).Select(p => (p.Timestamp / Second, p.Value)), Is.EqualTo(new[] { (3L, 1.5), (1000L, -4.0) }));
            Assert.That(copy.Read(1).Select(p => p.Value), Is.EqualTo(new[] { 2.5 }));
            // Two present buckets: 2 + names + 128-byte bitmap + 2 × 2 values.
            Assert.That(split.Encode(), Has.Length.EqualTo(2 + 5 + 4 + 128 + 32));
        });
    }
}
