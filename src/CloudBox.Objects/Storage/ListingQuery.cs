namespace CloudBox.Objects.Storage;

/// <summary>Swift's and S3's listing controls: names after <see cref="Marker"/>, before <see cref="EndMarker"/>, under <see cref="Prefix"/>, rolled up at <see cref="Delimiter"/>.</summary>
public sealed record ListingQuery(
    string? Prefix = null,
    string? Delimiter = null,
    string? Marker = null,
    string? EndMarker = null,
    int Limit = 10_000,
    bool Reverse = false);
