using CloudBox.Objects.Storage;

namespace CloudBox.Objects.S3;

/// <summary>What the S3 handlers work with: the shared object store, blob store and reader.</summary>
internal sealed class S3Services(ObjectStore store, BlobStore blobs, ObjectReader reader, TimeProvider clock)
{
    public ObjectStore Store { get; } = store;
    public BlobStore Blobs { get; } = blobs;
    public ObjectReader Reader { get; } = reader;
    public TimeProvider Clock { get; } = clock;
}
