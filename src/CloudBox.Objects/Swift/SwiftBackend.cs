using CloudBox.Objects.Storage;
using Microsoft.Extensions.Logging;

namespace CloudBox.Objects.Swift;

/// <summary>The services every Swift handler uses, resolved once.</summary>
internal sealed class SwiftBackend(ObjectStore store, BlobStore blobs, ObjectReader reader, ObjectsSettings settings, TimeProvider clock, ILogger<SwiftBackend> logger)
{
    public ObjectStore Store { get; } = store;
    public BlobStore Blobs { get; } = blobs;
    public ObjectReader Reader { get; } = reader;
    public ObjectsSettings Settings { get; } = settings;
    public TimeProvider Clock { get; } = clock;
    public ILogger Logger { get; } = logger;
}
