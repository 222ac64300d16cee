using CloudBox.Core.Workers;

namespace CloudBox.Volumes.Storage;

/// <summary>Wakes the volume worker when a volume or snapshot has work queued.</summary>
public sealed class VolumeWorkSignal : WorkSignal;
