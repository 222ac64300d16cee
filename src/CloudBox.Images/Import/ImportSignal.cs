using CloudBox.Core.Workers;

namespace CloudBox.Images.Import;

/// <summary>Wakes the import worker when a task is queued.</summary>
public sealed class ImportSignal : WorkSignal;
