namespace CloudBox.Objects;

/// <summary>Tunables of the Objects module; tests shorten the background periods.</summary>
public sealed class ObjectsSettings
{
    /// <summary>Largest single object (Swift's 5 GiB + 2 bytes); bigger ones go through large objects or multipart.</summary>
    public long MaxObjectBytes { get; init; } = 5L * 1024 * 1024 * 1024 + 2;

    /// <summary>How often expired objects (<c>X-Delete-At</c>) are removed for good.</summary>
    public TimeSpan ExpirerPeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often blob files no database row names are looked for.</summary>
    public TimeSpan SweeperPeriod { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// A blob file younger than this is never swept: it may belong to an upload whose
    /// transaction has not committed yet.
    /// </summary>
    public TimeSpan SweeperGrace { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Pause between two audit passes over every object.</summary>
    public TimeSpan AuditorPeriod { get; init; } = TimeSpan.FromHours(6);
}
