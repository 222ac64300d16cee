namespace CloudBox.Objects.Storage;

/// <summary>One row of a listing: an object (or container), or a common prefix rolled up at the delimiter.</summary>
public sealed record ListingEntry<T>(T? Item, string? Subdir) where T : class;
