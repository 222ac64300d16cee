using System.Globalization;

namespace CloudBox.Telemetry.Storage;

internal enum AggregationKind { Mean, Sum, Last, Max, Min, Std, Median, First, Count, Percentile }

/// <summary>
/// One of Gnocchi's aggregation methods: mean, sum, last, max, min, std, median, first, count,
/// <c>NNpct</c> (1–99), each optionally prefixed <c>rate:</c> (computed over the differences
/// between consecutive raw measures).
/// </summary>
internal sealed record AggregationMethod(string Name, AggregationKind Kind, bool Rate, int Percentile)
{
    public static readonly IReadOnlyList<string> Basic = ["mean", "sum", "last", "max", "min", "std", "median", "first", "count"];

    /// <summary>Every valid method name, as Gnocchi's <c>/v1/capabilities</c> lists them.</summary>
    public static IEnumerable<string> AllNames()
    {
        foreach (var prefix in new[] { "", "rate:" })
        {
            foreach (var name in Basic)
                yield return prefix + name;
            for (var i = 1; i < 100; i++)
                yield return prefix + i.ToString(CultureInfo.InvariantCulture) + "pct";
        }
    }

    public static bool TryParse(string name, out AggregationMethod method)
    {
        method = null!;
        var rate = name.StartsWith("rate:", StringComparison.Ordinal);
        var bare = rate ? name[5..] : name;
        AggregationKind kind;
        var q = 0;
        switch (bare)
        {
            case "mean": kind = AggregationKind.Mean; break;
            case "sum": kind = AggregationKind.Sum; break;
            case "last": kind = AggregationKind.Last; break;
            case "max": kind = AggregationKind.Max; break;
            case "min": kind = AggregationKind.Min; break;
            case "std": kind = AggregationKind.Std; break;
            case "median": kind = AggregationKind.Median; break;
            case "first": kind = AggregationKind.First; break;
            case "count": kind = AggregationKind.Count; break;
            default:
                if (bare.Length is < 4 or > 5 || !bare.EndsWith("pct", StringComparison.Ordinal)
                    || !int.TryParse(bare.AsSpan(0, bare.Length - 3), NumberStyles.None, CultureInfo.InvariantCulture, out q)
                    || q is < 1 or > 99 || bare[0] == '0')
                    return false;
                kind = AggregationKind.Percentile;
                break;
        }
        method = new AggregationMethod(name, kind, rate, q);
        return true;
    }

    public static AggregationMethod Parse(string name) =>
        TryParse(name, out var method) ? method : throw new ArgumentException($"Invalid aggregation method {name}");

    /// <summary>
    /// The method over the values of one bucket, <paramref name="values"/> in time order (the
    /// differences already taken for a rate). NaN when the method has no value (std of one point).
    /// </summary>
    public double Compute(ReadOnlySpan<double> values, Span<double> scratch)
    {
        var n = values.Length;
        if (n == 0)
            return double.NaN;
        switch (Kind)
        {
            case AggregationKind.Count:
                return n;
            case AggregationKind.First:
                return values[0];
            case AggregationKind.Last:
                return values[n - 1];
            case AggregationKind.Sum:
            {
                var sum = 0.0;
                foreach (var v in values) sum += v;
                return sum;
            }
            case AggregationKind.Mean:
            {
                var sum = 0.0;
                foreach (var v in values) sum += v;
                return sum / n;
            }
            case AggregationKind.Min:
            {
                var min = values[0];
                foreach (var v in values) if (v < min) min = v;
                return min;
            }
            case AggregationKind.Max:
            {
                var max = values[0];
                foreach (var v in values) if (v > max) max = v;
                return max;
            }
            case AggregationKind.Std:
            {
                // Sample standard deviation (n − 1), and none for a single point, as Gnocchi.
                if (n < 2)
                    return double.NaN;
                var mean = 0.0;
                foreach (var v in values) mean += v;
                mean /= n;
                var squares = 0.0;
                foreach (var v in values) squares += (v - mean) * (v - mean);
                return Math.Sqrt(squares / (n - 1));
            }
            case AggregationKind.Median:
                return Quantile(values, 50, scratch);
            default:
                return Quantile(values, Percentile, scratch);
        }
    }

    /// <summary>Linear interpolation between the closest ranks (numpy's default, which Gnocchi uses).</summary>
    private static double Quantile(ReadOnlySpan<double> values, int q, Span<double> scratch)
    {
        var sorted = scratch[..values.Length];
        values.CopyTo(sorted);
        sorted.Sort();
        var position = (values.Length - 1) * (q / 100.0);
        var floor = (int)Math.Floor(position);
        var ceil = (int)Math.Ceiling(position);
        if (floor == ceil)
            return sorted[floor];
        return sorted[floor] * (ceil - position) + sorted[ceil] * (position - floor);
    }
}
