using CloudBox.Core.Api.Auth;

namespace CloudBox.Core.Images;

/// <summary>An image as other modules see it: what Compute needs to boot from it or Volumes to copy it.</summary>
public sealed record ImageInfo(
    string Id,
    string? Name,
    string Status,
    string? DiskFormat,
    string? ContainerFormat,
    long? Size,
    long? VirtualSize,
    int MinDisk,
    int MinRam,
    string? Owner,
    IReadOnlyDictionary<string, string> Properties);

/// <summary>Images for other modules (implemented by Images, used by Compute and Volumes), in process.</summary>
public interface IImageSource
{
    /// <summary>The image if <paramref name="caller"/> may see it, else null (as the API would answer 404).</summary>
    Task<ImageInfo?> FindAsync(string imageId, CallerContext caller, CancellationToken cancellationToken);

    /// <summary>Images the caller may see whose name is <paramref name="name"/> (clients look images up by name).</summary>
    Task<IReadOnlyList<ImageInfo>> FindByNameAsync(string name, CallerContext caller, CancellationToken cancellationToken);

    /// <summary>Opens an active image's data for reading; the stream is seekable.</summary>
    Stream OpenData(string imageId);

    /// <summary>The file holding an active image's data, for tools that want a path (qemu-img, reflink copies). Read-only to callers.</summary>
    string DataPath(string imageId);

    /// <summary>Registers a new image owned by <paramref name="caller"/>'s project from a file the caller hands over (server snapshots).</summary>
    Task<ImageInfo> CreateFromFileAsync(string name, string diskFormat, string sourcePath, IReadOnlyDictionary<string, string> properties, CallerContext caller, CancellationToken cancellationToken);
}
