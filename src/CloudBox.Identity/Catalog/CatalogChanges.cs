namespace CloudBox.Identity.Catalog;

/// <summary>Bumped by every write to services or endpoints, so the cached catalog is rebuilt.</summary>
public sealed class CatalogChanges
{
    private long _generation;

    public long Generation => Interlocked.Read(ref _generation);

    public void Bump() => Interlocked.Increment(ref _generation);
}
