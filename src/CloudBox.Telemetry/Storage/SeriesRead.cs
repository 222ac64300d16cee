namespace CloudBox.Telemetry.Storage;

/// <summary>One series a read asks for: a metric's aggregates of one policy item and method.</summary>
internal readonly record struct SeriesRead(string MetricId, ArchivePolicyItem Item, string Method);
