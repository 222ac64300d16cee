using System.Text.Json.Nodes;
using CloudBox.Core.Ids;
using CloudBox.Images.Files;
using CloudBox.Images.Images;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudBox.Images.Import;

/// <summary>
/// Runs import tasks: takes the staged data (glance-direct) or downloads it (web-download),
/// checks and activates the image. Tasks live in the database, so after a crash the unfinished
/// ones are simply run again from the start; the staged file is only removed on success.
/// </summary>
internal sealed partial class ImportWorker(
    TaskStore tasks, ImageStore images, ImageFileStore files, ImagesSettings settings, ImportSignal signal, TimeProvider clock,
    WebDownloadClient downloads, ILogger<ImportWorker> logger) : BackgroundService
{
    /// <summary>What the user is told when a web-download fails: why is for the log (a detailed answer would make the import a port scanner).</summary>
    internal const string DownloadFailed = "The image could not be downloaded.";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var task in await tasks.ListUnfinishedAsync(stoppingToken))
                    await RunAsync(task, stoppingToken);
                await signal.WaitAsync(settings.ImportPollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                LogWorkerFailed(error);
                await Task.Delay(settings.ImportPollInterval, stoppingToken);
            }
        }
    }

    private async Task RunAsync(TaskRecord task, CancellationToken cancellationToken)
    {
        await tasks.SetStatusAsync(task.Id, TaskStatus.Processing, "", Now(), cancellationToken);
        var request = JsonNode.Parse(task.Input)?["import_req"]?["method"];
        var method = request?["name"]?.GetValue<string>();
        var image = await images.FindAsync(task.ImageId, cancellationToken);
        if (image is null || image.Status != ImageStatus.Importing)
        {
            await tasks.SetStatusAsync(task.Id, TaskStatus.Failure, "The image was deleted or changed before its import ran.", Now(), cancellationToken);
            return;
        }
        try
        {
            ImageFileWrite write;
            if (method == ImportEndpoints.GlanceDirect)
            {
                await using var staged = files.OpenStaged(image.Id);
                write = await files.WriteTemporaryAsync(staged, settings.MaxImageBytes, cancellationToken);
            }
            else
            {
                var uri = request?["uri"]?.GetValue<string>() ?? throw new InvalidOperationException("web-download task without a uri");
                using var response = await downloads.GetAsync(new Uri(uri), cancellationToken);
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                write = await files.WriteTemporaryAsync(body, settings.MaxImageBytes, cancellationToken);
            }
            await ImageDataEndpoints.ActivateAsync(image, write, images, files, clock, ImageStatus.Importing, cancellationToken);
            files.DeleteStaged(image.Id);
            await tasks.SetStatusAsync(task.Id, TaskStatus.Success, "", Now(), cancellationToken);
            LogImported(image.Id, method ?? "?");
        }
        catch (Exception error) when (!cancellationToken.IsCancellationRequested)
        {
            // Back to where the client can try again: staged data is kept for glance-direct.
            var back = method == ImportEndpoints.GlanceDirect ? ImageStatus.Uploading : ImageStatus.Queued;
            await images.TransitionAsync(image.Id, ImageStatus.Importing, back, Now(), CancellationToken.None);
            var message = method == ImportEndpoints.GlanceDirect ? error.Message : DownloadFailed;
            await tasks.SetStatusAsync(task.Id, TaskStatus.Failure, message, Now(), CancellationToken.None);
            LogImportFailed(image.Id, error.InnerException is { } inner ? $"{error.Message} ({inner.Message})" : error.Message);
        }
    }

    private string Now() => Timestamps.ToStorage(clock.GetUtcNow());

    [LoggerMessage(Level = LogLevel.Information, Message = "Imported image {ImageId} ({Method})")]
    private partial void LogImported(string imageId, string method);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Import of image {ImageId} failed: {Reason}")]
    private partial void LogImportFailed(string imageId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The image import worker failed; retrying")]
    private partial void LogWorkerFailed(Exception error);
}
