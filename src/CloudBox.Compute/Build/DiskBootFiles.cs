using System.Text.Json;
using System.Text.Json.Serialization;
using CloudBox.Compute.Build.BootFiles;
using CloudBox.Compute.Drivers;
using CloudBox.Compute.InstanceActions;
using CloudBox.Compute.Servers;
using CloudBox.Core.Ids;
using CloudBox.Linux.FileSystem;
using Microsoft.Extensions.Logging;

namespace CloudBox.Compute.Build;

/// <summary>
/// For a server whose image names no kernel: reads the kernel, initrd and command line out of the server's own root
/// disk (never the image in Images), as pygrub does, into the instance directory; records what it chose (and from
/// which image) in the server's row (<c>boot_files</c>) and as an instance action, <c>boot-files</c>, whose message
/// says it. Run at build, rebuild, start and hard reboot, so a guest that installed a new kernel boots its new default.
/// </summary>
internal sealed partial class DiskBootFiles(InstancePaths paths, ServerStore servers, InstanceActionStore actions, TimeProvider clock, ILogger<DiskBootFiles> logger)
{
    /// <summary>What the server's row keeps.</summary>
    internal sealed record Record(
        [property: JsonPropertyName("image_id")] string ImageId,
        [property: JsonPropertyName("kernel")] string Kernel,
        [property: JsonPropertyName("initrds")] IReadOnlyList<string> Initrds,
        [property: JsonPropertyName("command_line")] string CommandLine,
        [property: JsonPropertyName("source")] string Source);

    public async Task ReadAsync(ServerRecord server, ImageSnapshot image, CancellationToken cancellationToken)
    {
        var disk = Volumes.ServerDisks.RootPath(paths, server.Id);
        if (!File.Exists(disk))
            throw new DriverException($"Server {server.Id} has no root disk to read its kernel from.");
        BootSelection selection;
        try
        {
            selection = await Task.Run(() => Extract(server.Id, disk, cancellationToken), cancellationToken);
        }
        catch (Exception error) when (error is BootConfigurationNotFoundException or BootFormatException)
        {
            throw new DriverException($"Image {image.Id} has no kernel_id, and its kernel could not be read from the server's root disk. {error.Message}");
        }
        var commandLine = CommandLine(selection.CommandLine, image.CommandLine);
        await AtomicFile.WriteAllTextAsync(paths.CommandLine(server.Id), commandLine, cancellationToken);

        var record = new Record(image.Id, selection.Kernel.ToString(), selection.Initrds.Select(i => i.ToString()).ToList(), commandLine, selection.Source);
        var json = JsonSerializer.Serialize(record, DiskBootFilesJson.Default.Record);
        await servers.UpdateFieldsAsync(server.Id, "boot_files = @json", new { json }, cancellationToken);
        var initrds = record.Initrds.Count == 0 ? "no initrd" : "initrd " + string.Join(" + ", record.Initrds);
        await actions.RecordAsync(new InstanceActionRecord
        {
            RequestId = "req-" + Guid.NewGuid(),
            ServerId = server.Id,
            Action = "boot-files",
            ProjectId = server.ProjectId,
            UserId = server.UserId,
            Message = $"Kernel {record.Kernel}, {initrds}, command line '{commandLine}' from {record.Source} (image {image.Id})",
            StartTime = Timestamps.ToStorage(clock.GetUtcNow()),
        }, cancellationToken);
        LogChosen(server.Id, record.Kernel, record.Source);
    }

    private BootSelection Extract(string serverId, string disk, CancellationToken cancellationToken)
    {
        using var handle = File.OpenHandle(disk, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var bootDisk = BootDisk.Open(new DiskRegion(handle, 0, RandomAccess.GetLength(handle)));
        var selection = BootFileFinder.Find(bootDisk);
        File.Delete(paths.Initrd(serverId));
        BootFileFinder.Extract(selection, paths.Kernel(serverId), paths.Initrd(serverId), cancellationToken);
        return selection;
    }

    /// <summary>
    /// The disk's command line as it is (<c>root=UUID=…</c>, <c>ro</c>, <c>quiet</c> kept), the image's
    /// <c>os_command_line</c> appended as extra options, and <c>console=ttyS0</c> when no serial console is named
    /// (the console log is the first serial port).
    /// </summary>
    public static string CommandLine(string fromDisk, string? extra)
    {
        var words = fromDisk.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (!string.IsNullOrWhiteSpace(extra))
            words.AddRange(extra.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        if (!words.Any(w => w.StartsWith("console=ttyS", StringComparison.Ordinal)))
            words.Add("console=ttyS0");
        return string.Join(' ', words);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Server {ServerId} boots {Kernel} from {Source}")]
    private partial void LogChosen(string serverId, string kernel, string source);
}

[JsonSerializable(typeof(DiskBootFiles.Record))]
internal sealed partial class DiskBootFilesJson : JsonSerializerContext;
