using CloudBox.Core.Api.Auth;
using CloudBox.Core.Ids;
using CloudBox.Core.Images;
using CloudBox.Images.Files;
using CloudBox.Images.Images;
using CloudBox.Images.Members;

namespace CloudBox.Images;

/// <summary>The Images module's side of <see cref="IImageSource"/>: the same visibility rules as the API.</summary>
public sealed class ImageSource(ImageStore images, MemberStore members, ImageFileStore files, ImagesSettings settings, TimeProvider clock) : IImageSource
{
    public async Task<ImageInfo?> FindAsync(string imageId, CallerContext caller, CancellationToken cancellationToken)
    {
        var image = await images.FindAsync(imageId, cancellationToken);
        if (image is null)
            return null;
        var isMember = image.Visibility == "shared" && caller.ProjectId is not null
            && await members.FindAsync(imageId, caller.ProjectId, cancellationToken) is not null;
        return ImageAccess.CanSee(image, caller, isMember) ? ToInfo(image) : null;
    }

    public async Task<IReadOnlyList<ImageInfo>> FindByNameAsync(string name, CallerContext caller, CancellationToken cancellationToken)
    {
        var candidates = await images.ListVisibleAsync(caller.ProjectId, ImageAccess.IsAdmin(caller), cancellationToken);
        var shared = caller.ProjectId is null ? [] : await members.StatusesForMemberAsync(caller.ProjectId, cancellationToken);
        return candidates.Where(i => i.Name == name && ImageAccess.CanSee(i, caller, shared.ContainsKey(i.Id))).Select(ToInfo).ToList();
    }

    public Stream OpenData(string imageId) => files.OpenRead(imageId);

    public string DataPath(string imageId) => files.PathOf(imageId);

    public async Task<ImageInfo> CreateFromFileAsync(
        string name, string diskFormat, string sourcePath, IReadOnlyDictionary<string, string> properties, CallerContext caller, CancellationToken cancellationToken)
    {
        var now = Timestamps.ToStorage(clock.GetUtcNow());
        var image = new ImageRecord
        {
            Id = Identifiers.NewUuid(), Name = name, Status = ImageStatus.Saving, Visibility = "private", Owner = caller.ProjectId,
            DiskFormat = diskFormat, ContainerFormat = "bare", CreatedAt = now, UpdatedAt = now,
            Properties = new Dictionary<string, string>(properties, StringComparer.Ordinal),
        };
        await images.InsertAsync(image, cancellationToken);
        try
        {
            ImageFileWrite write;
            await using (var source = File.OpenRead(sourcePath))
                write = await files.WriteTemporaryAsync(source, settings.MaxImageBytes, cancellationToken);
            await ImageDataEndpoints.ActivateAsync(image, write, images, files, clock, ImageStatus.Saving, cancellationToken);
        }
        catch
        {
            await images.DeleteAsync(image.Id, CancellationToken.None);
            throw;
        }
        return ToInfo(await images.FindAsync(image.Id, cancellationToken) ?? image);
    }

    private static ImageInfo ToInfo(ImageRecord image) => new(
        image.Id, image.Name, image.Status, image.DiskFormat, image.ContainerFormat, image.Size, image.VirtualSize,
        image.MinDisk, image.MinRam, image.Owner, image.Properties);
}
