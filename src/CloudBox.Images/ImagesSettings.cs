namespace CloudBox.Images;

/// <summary>Tunables of the Images module.</summary>
public sealed class ImagesSettings
{
    /// <summary>The largest image accepted (Glance's image_size_cap defaults to 1 TiB).</summary>
    public long MaxImageBytes { get; init; } = 1L << 40;

    /// <summary>How often the import worker looks for tasks when nothing woke it.</summary>
    public TimeSpan ImportPollInterval { get; init; } = TimeSpan.FromSeconds(2);
}
