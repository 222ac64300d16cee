using CloudBox.Core.Modules;
using CloudBox.Objects.Storage;

namespace CloudBox.Objects.Maintenance;

/// <summary>At start, before serving: temporary upload files are uploads a previous process never finished.</summary>
public sealed class TemporaryFileCleanup(BlobStore blobs) : IStartupTask
{
    public Task RunAsync(CancellationToken cancellationToken)
    {
        blobs.RemoveTemporaryFiles();
        return Task.CompletedTask;
    }
}
