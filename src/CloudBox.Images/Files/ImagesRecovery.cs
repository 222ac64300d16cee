using CloudBox.Core.Ids;
using CloudBox.Core.Modules;
using CloudBox.Images.Images;
using CloudBox.Images.Import;
using Microsoft.Extensions.Logging;

namespace CloudBox.Images.Files;

/// <summary>
/// Puts the image store back in order after a crash, before requests are served: uploads cut
/// off mid-way go back to <c>queued</c> (their partial data was never recorded), imports with
/// no task to finish them go back to where the client can retry, and data files no image row
/// names (a delete interrupted between row and file) are removed.
/// </summary>
public sealed partial class ImagesRecovery(ImageStore images, TaskStore tasks, ImageFileStore files, TimeProvider clock, ILogger<ImagesRecovery> logger) : IStartupTask
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        files.RemoveTemporaryFiles();
        var now = Timestamps.ToStorage(clock.GetUtcNow());

        foreach (var image in await images.ListByStatusAsync(ImageStatus.Saving, cancellationToken))
        {
            files.Delete(image.Id);
            if (await images.TransitionAsync(image.Id, ImageStatus.Saving, ImageStatus.Queued, now, cancellationToken))
                LogReset(image.Id, ImageStatus.Saving, ImageStatus.Queued);
        }

        foreach (var image in await images.ListByStatusAsync(ImageStatus.Uploading, cancellationToken))
        {
            if (!File.Exists(files.StagingPathOf(image.Id)) && await images.TransitionAsync(image.Id, ImageStatus.Uploading, ImageStatus.Queued, now, cancellationToken))
                LogReset(image.Id, ImageStatus.Uploading, ImageStatus.Queued);
        }

        var unfinished = (await tasks.ListUnfinishedAsync(cancellationToken)).Select(t => t.ImageId).ToHashSet(StringComparer.Ordinal);
        foreach (var image in await images.ListByStatusAsync(ImageStatus.Importing, cancellationToken))
        {
            if (unfinished.Contains(image.Id))
                continue;
            var back = File.Exists(files.StagingPathOf(image.Id)) ? ImageStatus.Uploading : ImageStatus.Queued;
            if (await images.TransitionAsync(image.Id, ImageStatus.Importing, back, now, cancellationToken))
                LogReset(image.Id, ImageStatus.Importing, back);
        }

        foreach (var imageId in files.ListDataFileIds())
        {
            var image = await images.FindAsync(imageId, cancellationToken);
            if (image is null || image.Status is not (ImageStatus.Active or ImageStatus.Deactivated))
            {
                files.Delete(imageId);
                LogOrphanRemoved(imageId);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Image {ImageId} was left {From} by a crash; now {To}")]
    private partial void LogReset(string imageId, string from, string to);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removed data file of image {ImageId}, which no active image owns")]
    private partial void LogOrphanRemoved(string imageId);
}
