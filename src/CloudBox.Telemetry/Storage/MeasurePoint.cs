namespace CloudBox.Telemetry.Storage;

/// <summary>One measure: nanoseconds since the Unix epoch (UTC) and a value.</summary>
internal readonly record struct MeasurePoint(long Timestamp, double Value);
