namespace CloudBox.Telemetry.Storage;

/// <summary>One line of an archive policy: keep <see cref="Points"/> aggregates of <see cref="Granularity"/> each.</summary>
internal sealed record ArchivePolicyItem(long GranularityNs, long Points)
{
    public long TimespanNs => GranularityNs * Points;
}

/// <summary>
/// How a metric's measures are aggregated and kept: the granularities (each with its number of
/// points), the aggregation methods, and the back window (how many of the coarsest periods
/// before the last one still accept late measures).
/// </summary>
internal sealed record ArchivePolicy(string Name, int BackWindow, IReadOnlyList<ArchivePolicyItem> Definition, IReadOnlyList<string> AggregationMethods)
{
    public const long NanosPerSecond = 1_000_000_000L;

    /// <summary>Gnocchi's default methods for a policy created without any.</summary>
    public static readonly IReadOnlyList<string> DefaultMethods = ["mean", "min", "max", "sum", "std", "count"];

    /// <summary>Gnocchi's four default policies, created at first start.</summary>
    public static IReadOnlyList<ArchivePolicy> Defaults { get; } =
    [
        new("bool", 3600, [new(NanosPerSecond, 365L * 86400)], ["last"]),
        new("low", 0, [new(300 * NanosPerSecond, 30 * 288)], DefaultMethods),
        new("medium", 0, [new(60 * NanosPerSecond, 7 * 1440), new(3600 * NanosPerSecond, 365 * 24)], DefaultMethods),
        new("high", 0, [new(NanosPerSecond, 3600), new(60 * NanosPerSecond, 7 * 1440), new(3600 * NanosPerSecond, 365 * 24)], DefaultMethods),
    ];

    public long MaxGranularityNs
    {
        get
        {
            var max = 0L;
            foreach (var item in Definition)
                max = Math.Max(max, item.GranularityNs);
            return max;
        }
    }

    public ArchivePolicyItem? ItemFor(long granularityNs)
    {
        foreach (var item in Definition)
        {
            if (item.GranularityNs == granularityNs)
                return item;
        }
        return null;
    }

    public bool HasMethod(string name)
    {
        foreach (var method in AggregationMethods)
        {
            if (method == name)
                return true;
        }
        return false;
    }

    /// <summary>
    /// Resolves Gnocchi's method list syntax: names, <c>*</c> for all, and <c>+name</c> /
    /// <c>-name</c> to add to or remove from the defaults when every entry is signed.
    /// </summary>
    public static List<string> ResolveMethods(IReadOnlyList<string>? requested)
    {
        if (requested is null)
            return [.. DefaultMethods];
        foreach (var entry in requested)
        {
            var bare = entry.Length > 0 && entry[0] is '+' or '-' ? entry[1..] : entry;
            if (bare != "*" && !AggregationMethod.TryParse(bare, out _))
                throw new ArgumentException($"Invalid value for aggregation_methods: {entry}");
        }
        var set = new SortedSet<string>(StringComparer.Ordinal);
        if (requested.Contains("*"))
            set.UnionWith(AggregationMethod.AllNames());
        else if (requested.All(e => e.Length > 0 && e[0] is '+' or '-'))
            set.UnionWith(DefaultMethods);
        else
            set.UnionWith(requested.Where(e => e.Length > 0 && e[0] is not '+' and not '-'));
        foreach (var entry in requested)
        {
            if (entry.Length > 0 && entry[0] == '-')
                set.Remove(entry[1..]);
            else if (entry.Length > 0 && entry[0] == '+')
                set.Add(entry[1..]);
        }
        return [.. set];
    }
}
