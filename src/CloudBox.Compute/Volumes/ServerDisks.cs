using System.Text.Json.Nodes;
using CloudBox.Compute.Build;
using CloudBox.Compute.Drivers;
using CloudBox.Linux.FileSystem;

namespace CloudBox.Compute.Volumes;

/// <summary>
/// The volumes a server's VM opens, kept as <c>volumes.json</c> in its instance directory beside
/// the root disk and config drive: the root volume (boot from volume) and the attached data
/// volumes, each with its file. Written after every attach or detach is recorded, read
/// synchronously when the VM definition is built, so every start or hard reboot opens exactly the
/// disks the attachments say.
/// </summary>
public static class ServerDisks
{
    public sealed record Disk(string VolumeId, string Path, bool ReadOnly);

    public sealed record Layout(Disk? Root, IReadOnlyList<Disk> Data);

    public static string FileOf(InstancePaths paths, string serverId) => System.IO.Path.Combine(paths.DirectoryOf(serverId), "volumes.json");

    public static Layout Read(InstancePaths paths, string serverId)
    {
        var file = FileOf(paths, serverId);
        if (!File.Exists(file))
            return new Layout(null, []);
        var json = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        return new Layout(json["root"] is JsonObject root ? Parse(root) : null, json["data"]!.AsArray().Select(d => Parse(d!.AsObject())).ToList());
    }

    /// <summary>The root disk's file: the boot volume's when the server boots from one, else the instance's own <c>disk.raw</c>.</summary>
    public static string RootPath(InstancePaths paths, string serverId) => Read(paths, serverId).Root?.Path ?? paths.RootDisk(serverId);

    /// <summary>The attached data volumes as extra virtio disks, each named by its volume id (the guest sees it as the disk's serial).</summary>
    public static IEnumerable<VmDisk> DataDisks(InstancePaths paths, string serverId) =>
        Read(paths, serverId).Data.Select(d => new VmDisk(d.Path, d.ReadOnly, d.VolumeId));

    public static void Write(InstancePaths paths, string serverId, Layout layout)
    {
        var directory = paths.DirectoryOf(serverId);
        Directory.CreateDirectory(directory);
        var json = new JsonObject
        {
            ["root"] = layout.Root is null ? null : Render(layout.Root),
            ["data"] = new JsonArray(layout.Data.Select(d => (JsonNode)Render(d)).ToArray()),
        };
        AtomicFile.WriteAllText(FileOf(paths, serverId), json.ToJsonString());
    }

    private static JsonObject Render(Disk disk) => new() { ["volume_id"] = disk.VolumeId, ["path"] = disk.Path, ["readonly"] = disk.ReadOnly };

    private static Disk Parse(JsonObject json) =>
        new(json["volume_id"]!.GetValue<string>(), json["path"]!.GetValue<string>(), json["readonly"]?.GetValue<bool>() ?? false);
}
