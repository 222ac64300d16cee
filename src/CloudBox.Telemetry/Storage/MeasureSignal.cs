using CloudBox.Core.Workers;

namespace CloudBox.Telemetry.Storage;

/// <summary>Wakes the measure processor when measures were queued.</summary>
internal sealed class MeasureSignal : WorkSignal;
