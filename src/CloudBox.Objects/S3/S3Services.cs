using CloudBox.Core.Configuration;
using CloudBox.Objects.Storage;

namespace CloudBox.Objects.S3;

/// <summary>What the S3 handlers work with: the shared object store, blob store and reader.</summary>
internal sealed class S3Services(ObjectStore store, BlobStore blobs, ObjectReader reader, TimeProvider clock, CloudBoxOptions options)
{
    /// <summary>The one region of this cloud: every bucket lives there, and requests must be signed for it.</summary>
    public string Region { get; } = options.RegionName;

    public ObjectStore Store { get; } = store;
    public BlobStore Blobs { get; } = blobs;
    public ObjectReader Reader { get; } = reader;
    public TimeProvider Clock { get; } = clock;
}
