using System.Text.Json.Nodes;
using CloudBox.Ec2.Api;
using CloudBox.Ec2.Ids;
using CloudBox.Ec2.OpenStack;

namespace CloudBox.Ec2.Actions;

/// <summary>Volumes and snapshots are Cinder's; attaching goes through Nova, as ec2-api did.</summary>
internal static class VolumeActions
{
    private static string Status(string? cinder) => cinder switch
    {
        "creating" or "downloading" => "creating",
        "available" or "reserved" => "available",
        "in-use" or "attaching" or "detaching" => "in-use",
        "deleting" => "deleting",
        "error" or "error_deleting" or "error_restoring" or "error_extending" => "error",
        _ => "available",
    };

    private static string AttachStatus(string? cinder) => cinder switch
    {
        "attaching" => "attaching",
        "detaching" => "detaching",
        _ => "attached",
    };

    public static async Task<byte[]> CreateVolumeAsync(Ec2Context context)
    {
        var request = context.Request;
        var size = request.Get("Size") is null ? (int?)null : request.Int("Size", 1, 1, 16384);
        string? snapshotOsId = null;
        if (request.Get("SnapshotId") is { } snapshotId)
            snapshotOsId = await context.Ids.OsIdAsync(Ec2Kind.Snapshot, snapshotId, context.Aborted);
        if (size is null && snapshotOsId is null)
            throw Ec2Error.MissingParameter("Size");
        var tags = VpcActions.TagSpecifications(request, "volume");
        var volume = new JsonObject { ["size"] = size, ["snapshot_id"] = snapshotOsId };
        if (tags.LastOrDefault(t => t.Key == "Name").Value is { Length: > 0 } name)
            volume["name"] = name;
        if (request.Get("AvailabilityZone") is { } zone)
            volume["availability_zone"] = zone;
        JsonNode? body;
        try
        {
            body = await context.Os.PostAsync($"{context.Os.Cinder}/volumes", new JsonObject { ["volume"] = volume }, context.Aborted);
        }
        catch (OsFault fault) when (fault.IsQuota)
        {
            throw new Ec2Error(400, "VolumeLimitExceeded", fault.Message);
        }
        var created = body?["volume"] ?? new JsonObject();
        var volumeId = await context.Ids.Ec2IdAsync(Ec2Kind.Volume, created.Str("id")!, context.Aborted);
        if (tags.Count > 0)
            await context.Tags.SetAsync(context.ProjectId, [volumeId], tags, context.Aborted);
        using var xml = context.Response();
        WriteVolumeFields(xml, volumeId, created, request.Get("SnapshotId"), [], null);
        xml.Tags(tags);
        return xml.ToBytes();
    }

    private static void WriteVolumeFields(Ec2Xml xml, string volumeId, JsonNode volume, string? snapshotId, List<(string InstanceId, string Device, JsonNode Attachment)> attachments, string? status)
    {
        xml.Element("volumeId", volumeId)
            .Element("size", volume.Num("size") ?? 0)
            .Element("snapshotId", snapshotId ?? "")
            .Element("availabilityZone", volume.Str("availability_zone") ?? "nova")
            .Element("status", Status(status ?? volume.Str("status")))
            .Time("createTime", volume.Time("created_at"))
            .Element("volumeType", "standard")
            .Element("encrypted", volume.Flag("encrypted") ?? false)
            .Element("multiAttachEnabled", volume.Flag("multiattach") ?? false);
        xml.Start("attachmentSet");
        foreach (var (instanceId, device, attachment) in attachments)
        {
            xml.Start("item").Element("volumeId", volumeId).Element("instanceId", instanceId).Element("device", device)
                .Element("status", AttachStatus(volume.Str("status"))).Time("attachTime", attachment.Time("attached_at"))
                .Element("deleteOnTermination", false).End();
        }
        xml.End();
    }

    public static async Task<byte[]> DescribeVolumesAsync(Ec2Context context)
    {
        var ids = context.Request.List("VolumeId");
        var filters = context.Request.Filters();
        TagFilters.Check(filters, "volume-id", "status", "size", "snapshot-id", "availability-zone", "attachment.instance-id", "attachment.device", "attachment.status", "volume-type");
        var wanted = await context.Ids.OsIdsAsync(Ec2Kind.Volume, ids, context.Aborted);
        var volumes = await ListVolumesAsync(context, wanted);
        foreach (var (id, osId) in ids.Zip(wanted))
        {
            if (!volumes.Any(v => v.Str("id") == osId))
                throw Ec2Error.NotFound(Ec2Kind.Volume.NotFoundCode, id);
        }
        var volumeIds = await context.Ids.Ec2IdsAsync(Ec2Kind.Volume, volumes.Select(v => v.Str("id")!).ToList(), context.Aborted);
        var instanceIds = await context.Ids.Ec2IdsAsync(Ec2Kind.Instance,
            volumes.SelectMany(v => v.Items("attachments")).Select(a => a.Str("server_id")).OfType<string>().ToHashSet(), context.Aborted);
        var snapshotIds = await context.Ids.Ec2IdsAsync(Ec2Kind.Snapshot, volumes.Select(v => v.Str("snapshot_id")).OfType<string>().ToHashSet(), context.Aborted);
        var tags = await context.Tags.ForAsync(context.ProjectId, volumeIds.Values, context.Aborted);
        using var xml = context.Response();
        xml.Start("volumeSet");
        foreach (var volume in volumes)
        {
            var volumeId = volumeIds[volume.Str("id")!];
            var snapshot = volume.Str("snapshot_id") is { } s ? snapshotIds[s] : null;
            var attachments = volume.Items("attachments").Where(a => a.Str("server_id") is not null)
                .Select(a => (instanceIds[a.Str("server_id")!], a.Str("device") ?? "", a)).ToList();
            if (!TagFilters.Passes(filters, tags.GetValueOrDefault(volumeId), name => name switch
                {
                    "volume-id" => [volumeId],
                    "status" => [Status(volume.Str("status"))],
                    "size" => [(volume.Num("size") ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture)],
                    "snapshot-id" => [snapshot],
                    "availability-zone" => [volume.Str("availability_zone")],
                    "attachment.instance-id" => attachments.Select(a => (string?)a.Item1),
                    "attachment.device" => attachments.Select(a => (string?)a.Item2),
                    "attachment.status" => attachments.Select(_ => (string?)AttachStatus(volume.Str("status"))),
                    _ => ["standard"],
                }))
                continue;
            xml.Start("item");
            WriteVolumeFields(xml, volumeId, volume, snapshot, attachments, null);
            xml.Tags(tags.GetValueOrDefault(volumeId)).End();
        }
        xml.End();
        return xml.ToBytes();
    }

    private static async Task<List<JsonNode>> ListVolumesAsync(Ec2Context context, List<string> wanted)
    {
        if (wanted.Count > 0)
        {
            var found = new List<JsonNode>();
            foreach (var osId in wanted.Distinct())
            {
                try
                {
                    if ((await context.Os.GetAsync($"{context.Os.Cinder}/volumes/{osId}", context.Aborted))["volume"] is { } volume)
                        found.Add(volume);
                }
                catch (OsFault fault) when (fault.Status == 404)
                {
                }
            }
            return found;
        }
        return (await context.Os.GetAsync($"{context.Os.Cinder}/volumes/detail?limit=1000", context.Aborted)).Items("volumes").ToList();
    }

    private static async Task<(string OsId, JsonNode Volume)> VolumeAsync(Ec2Context context, string volumeId)
    {
        var osId = await context.Ids.OsIdAsync(Ec2Kind.Volume, volumeId, context.Aborted);
        try
        {
            return (osId, (await context.Os.GetAsync($"{context.Os.Cinder}/volumes/{osId}", context.Aborted))["volume"]!);
        }
        catch (OsFault fault) when (fault.Status == 404)
        {
            throw Ec2Error.NotFound(Ec2Kind.Volume.NotFoundCode, volumeId);
        }
    }

    public static async Task<byte[]> DeleteVolumeAsync(Ec2Context context)
    {
        var volumeId = context.Request.Require("VolumeId");
        var (osId, _) = await VolumeAsync(context, volumeId);
        try
        {
            await context.Os.DeleteAsync($"{context.Os.Cinder}/volumes/{osId}", context.Aborted);
        }
        catch (OsFault fault) when (fault.Status is 400 or 409)
        {
            throw new Ec2Error(400, "VolumeInUse", $"Volume {volumeId} is currently attached or busy: {fault.Message}");
        }
        await context.Tags.DeleteAsync(context.ProjectId, [volumeId], [], context.Aborted);
        return VpcActions.True(context);
    }

    public static async Task<byte[]> AttachVolumeAsync(Ec2Context context)
    {
        var volumeId = context.Request.Require("VolumeId");
        var instanceId = context.Request.Require("InstanceId");
        var device = context.Request.Get("Device");
        var (osId, _) = await VolumeAsync(context, volumeId);
        var server = await InstanceLoader.ServerAsync(context, instanceId);
        var attachment = new JsonObject { ["volumeId"] = osId };
        JsonNode? body;
        try
        {
            body = await context.Os.PostAsync($"{OsClient.Nova}/servers/{server.Str("id")}/os-volume_attachments",
                new JsonObject { ["volumeAttachment"] = attachment }, context.Aborted);
        }
        catch (OsFault fault) when (fault.Status is 400 or 409)
        {
            throw new Ec2Error(400, fault.Message.Contains("in-use", StringComparison.OrdinalIgnoreCase) || fault.Message.Contains("attached", StringComparison.OrdinalIgnoreCase)
                ? "VolumeInUse" : "IncorrectState", fault.Message);
        }
        using var xml = context.Response();
        xml.Element("volumeId", volumeId).Element("instanceId", instanceId).Element("device", body?["volumeAttachment"].Str("device") ?? device ?? "")
            .Element("status", "attaching").Time("attachTime", context.Services.Clock.GetUtcNow());
        return xml.ToBytes();
    }

    public static async Task<byte[]> DetachVolumeAsync(Ec2Context context)
    {
        var volumeId = context.Request.Require("VolumeId");
        var (osId, volume) = await VolumeAsync(context, volumeId);
        var attachment = volume.Items("attachments").FirstOrDefault(a => a.Str("server_id") is not null)
            ?? throw new Ec2Error(400, "IncorrectState", $"Volume '{volumeId}' is in the 'available' state.");
        var serverId = attachment.Str("server_id")!;
        var instanceId = await context.Ids.Ec2IdAsync(Ec2Kind.Instance, serverId, context.Aborted);
        if (context.Request.Get("InstanceId") is { } asked && asked != instanceId)
            throw new Ec2Error(400, "InvalidAttachment.NotFound", $"Volume '{volumeId}' is not attached to instance '{asked}'.");
        try
        {
            await context.Os.DeleteAsync($"{OsClient.Nova}/servers/{serverId}/os-volume_attachments/{osId}", context.Aborted);
        }
        catch (OsFault fault) when (fault.Status is 400 or 409)
        {
            throw new Ec2Error(400, "IncorrectState", fault.Message);
        }
        using var xml = context.Response();
        xml.Element("volumeId", volumeId).Element("instanceId", instanceId).Element("device", attachment.Str("device") ?? "")
            .Element("status", "detaching").Time("attachTime", attachment.Time("attached_at"));
        return xml.ToBytes();
    }

    public static async Task<byte[]> DescribeVolumeStatusAsync(Ec2Context context)
    {
        var ids = context.Request.List("VolumeId");
        var wanted = await context.Ids.OsIdsAsync(Ec2Kind.Volume, ids, context.Aborted);
        var volumes = await ListVolumesAsync(context, wanted);
        var volumeIds = await context.Ids.Ec2IdsAsync(Ec2Kind.Volume, volumes.Select(v => v.Str("id")!).ToList(), context.Aborted);
        using var xml = context.Response();
        xml.Start("volumeStatusSet");
        foreach (var volume in volumes)
        {
            var ok = volume.Str("status") is not ("error" or "error_deleting" or "error_restoring" or "error_extending");
            xml.Start("item").Element("volumeId", volumeIds[volume.Str("id")!]).Element("availabilityZone", volume.Str("availability_zone") ?? "nova")
                .Start("volumeStatus").Element("status", ok ? "ok" : "impaired")
                .Start("details").Start("item").Element("name", "io-enabled").Element("status", ok ? "passed" : "failed").End().End().End()
                .Empty("eventsSet").Empty("actionsSet").End();
        }
        xml.End();
        return xml.ToBytes();
    }

    public static async Task<byte[]> CreateSnapshotAsync(Ec2Context context)
    {
        var volumeId = context.Request.Require("VolumeId");
        var (osId, volume) = await VolumeAsync(context, volumeId);
        var tags = VpcActions.TagSpecifications(context.Request, "snapshot");
        JsonNode? body;
        try
        {
            body = await context.Os.PostAsync($"{context.Os.Cinder}/snapshots", new JsonObject
            {
                ["snapshot"] = new JsonObject
                {
                    ["volume_id"] = osId, ["force"] = true, ["description"] = context.Request.Get("Description"),
                    ["name"] = tags.LastOrDefault(t => t.Key == "Name").Value,
                },
            }, context.Aborted);
        }
        catch (OsFault fault) when (fault.IsQuota)
        {
            throw new Ec2Error(400, "SnapshotLimitExceeded", fault.Message);
        }
        var snapshot = body?["snapshot"] ?? new JsonObject();
        var snapshotId = await context.Ids.Ec2IdAsync(Ec2Kind.Snapshot, snapshot.Str("id")!, context.Aborted);
        if (tags.Count > 0)
            await context.Tags.SetAsync(context.ProjectId, [snapshotId], tags, context.Aborted);
        using var xml = context.Response();
        WriteSnapshotFields(xml, snapshotId, volumeId, snapshot, context.ProjectId);
        xml.Tags(tags);
        return xml.ToBytes();
    }

    private static void WriteSnapshotFields(Ec2Xml xml, string snapshotId, string? volumeId, JsonNode snapshot, string owner) =>
        xml.Element("snapshotId", snapshotId).Element("volumeId", volumeId ?? "")
            .Element("status", snapshot.Str("status") switch { "available" => "completed", "error" or "error_deleting" => "error", _ => "pending" })
            .Time("startTime", snapshot.Time("created_at"))
            .Element("progress", snapshot.Str("status") == "available" ? "100%" : "0%")
            .Element("ownerId", owner).Element("volumeSize", snapshot.Num("size") ?? 0)
            .Element("description", snapshot.Str("description") ?? "").Element("encrypted", false);

    public static async Task<byte[]> DescribeSnapshotsAsync(Ec2Context context)
    {
        var ids = context.Request.List("SnapshotId");
        var filters = context.Request.Filters();
        TagFilters.Check(filters, "snapshot-id", "volume-id", "status", "owner-id", "description", "volume-size");
        var wanted = await context.Ids.OsIdsAsync(Ec2Kind.Snapshot, ids, context.Aborted);
        var snapshots = (await context.Os.GetAsync($"{context.Os.Cinder}/snapshots/detail?limit=1000", context.Aborted)).Items("snapshots").ToList();
        foreach (var (id, osId) in ids.Zip(wanted))
        {
            if (!snapshots.Any(s => s.Str("id") == osId))
                throw Ec2Error.NotFound(Ec2Kind.Snapshot.NotFoundCode, id);
        }
        var snapshotIds = await context.Ids.Ec2IdsAsync(Ec2Kind.Snapshot, snapshots.Select(s => s.Str("id")!).ToList(), context.Aborted);
        var volumeIds = await context.Ids.Ec2IdsAsync(Ec2Kind.Volume, snapshots.Select(s => s.Str("volume_id")).OfType<string>().ToHashSet(), context.Aborted);
        var tags = await context.Tags.ForAsync(context.ProjectId, snapshotIds.Values, context.Aborted);
        using var xml = context.Response();
        xml.Start("snapshotSet");
        foreach (var snapshot in snapshots)
        {
            var osId = snapshot.Str("id")!;
            if (wanted.Count > 0 && !wanted.Contains(osId))
                continue;
            var snapshotId = snapshotIds[osId];
            var volumeId = snapshot.Str("volume_id") is { } v ? volumeIds[v] : null;
            if (!TagFilters.Passes(filters, tags.GetValueOrDefault(snapshotId), name => name switch
                {
                    "snapshot-id" => [snapshotId],
                    "volume-id" => [volumeId],
                    "status" => [snapshot.Str("status") == "available" ? "completed" : "pending"],
                    "owner-id" => [context.ProjectId],
                    "description" => [snapshot.Str("description")],
                    _ => [(snapshot.Num("size") ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture)],
                }))
                continue;
            xml.Start("item");
            WriteSnapshotFields(xml, snapshotId, volumeId, snapshot, context.ProjectId);
            xml.Tags(tags.GetValueOrDefault(snapshotId)).End();
        }
        xml.End();
        return xml.ToBytes();
    }

    public static async Task<byte[]> DeleteSnapshotAsync(Ec2Context context)
    {
        var snapshotId = context.Request.Require("SnapshotId");
        var osId = await context.Ids.OsIdAsync(Ec2Kind.Snapshot, snapshotId, context.Aborted);
        try
        {
            await context.Os.DeleteAsync($"{context.Os.Cinder}/snapshots/{osId}", context.Aborted);
        }
        catch (OsFault fault) when (fault.Status == 404)
        {
            throw Ec2Error.NotFound(Ec2Kind.Snapshot.NotFoundCode, snapshotId);
        }
        catch (OsFault fault) when (fault.Status is 400 or 409)
        {
            throw new Ec2Error(400, "IncorrectState", fault.Message);
        }
        await context.Tags.DeleteAsync(context.ProjectId, [snapshotId], [], context.Aborted);
        return VpcActions.True(context);
    }
}
