using System.Text.Json.Serialization;
using CloudBox.Telemetry.Storage;

namespace CloudBox.Telemetry.Data;

/// <summary>Source-generated JSON for the columns that hold lists and definitions.</summary>
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(List<StoredPolicyItem>))]
internal sealed partial class TelemetryJsonContext : JsonSerializerContext;

/// <summary>An archive policy line as stored: granularity in nanoseconds and number of points.</summary>
internal sealed record StoredPolicyItem(long Granularity, long Points);
