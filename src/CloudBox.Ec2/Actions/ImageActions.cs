using System.Text.Json.Nodes;
using CloudBox.Ec2.Api;
using CloudBox.Ec2.Ids;
using CloudBox.Ec2.OpenStack;

namespace CloudBox.Ec2.Actions;

/// <summary>
/// Images are Glance's: <c>ami-</c> for machine images, <c>aki-</c>/<c>ari-</c> for kernels and
/// ramdisks; launch permissions are Glance members (and public visibility for <c>Group=all</c>).
/// </summary>
internal static class ImageActions
{
    private static Ec2Kind KindOf(JsonNode image) => image.Str("disk_format") switch
    {
        "aki" => Ec2Kind.Kernel,
        "ari" => Ec2Kind.Ramdisk,
        _ => Ec2Kind.Image,
    };

    /// <summary>The Glance id of an <c>ami-</c> (or <c>aki-</c>/<c>ari-</c>) id.</summary>
    public static async Task<string> OsImageIdAsync(Ec2Context context, string imageId)
    {
        var kind = Ec2Kind.Of(imageId) is { } k && (k == Ec2Kind.Kernel || k == Ec2Kind.Ramdisk) ? k : Ec2Kind.Image;
        return await context.Ids.OsIdAsync(kind, imageId, context.Aborted);
    }

    private static async Task<JsonNode> ImageAsync(Ec2Context context, string imageId)
    {
        var osId = await OsImageIdAsync(context, imageId);
        try
        {
            return await context.Os.GetAsync($"{OsClient.Glance}/images/{osId}", context.Aborted);
        }
        catch (OsFault fault) when (fault.Status == 404)
        {
            throw Ec2Error.NotFound(Ec2Kind.Image.NotFoundCode, imageId);
        }
    }

    public static async Task<byte[]> DescribeImagesAsync(Ec2Context context)
    {
        var ids = context.Request.List("ImageId");
        var owners = context.Request.List("Owner");
        var filters = context.Request.Filters();
        TagFilters.Check(filters, "image-id", "name", "state", "is-public", "owner-id", "image-type", "architecture", "root-device-type", "description");
        var images = new List<JsonNode>();
        if (ids.Count > 0)
        {
            foreach (var id in ids)
                images.Add(await ImageAsync(context, id));
        }
        else
        {
            var body = await context.Os.GetAsync($"{OsClient.Glance}/images?limit=1000", context.Aborted);
            images.AddRange(body.Items("images"));
        }
        var byKind = images.GroupBy(KindOf).ToList();
        var ec2Ids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var group in byKind)
        {
            foreach (var (os, ec2) in await context.Ids.Ec2IdsAsync(group.Key, group.Select(i => i.Str("id")!).ToList(), context.Aborted))
                ec2Ids[os] = ec2;
        }
        var kernels = await context.Ids.Ec2IdsAsync(Ec2Kind.Kernel, images.Select(i => i.Str("kernel_id")).OfType<string>().ToHashSet(), context.Aborted);
        var ramdisks = await context.Ids.Ec2IdsAsync(Ec2Kind.Ramdisk, images.Select(i => i.Str("ramdisk_id")).OfType<string>().ToHashSet(), context.Aborted);
        var tags = await context.Tags.ForAsync(context.ProjectId, ec2Ids.Values, context.Aborted);
        using var xml = context.Response();
        xml.Start("imagesSet");
        foreach (var image in images)
        {
            var imageId = ec2Ids[image.Str("id")!];
            var owner = image.Str("owner") ?? "";
            var isPublic = image.Str("visibility") is "public" or "community";
            if (owners.Count > 0 && !owners.Any(o => o == owner || (o == "self" && owner == context.ProjectId) || (o is "amazon" or "aws-marketplace" && isPublic && owner != context.ProjectId)))
                continue;
            var state = image.Str("status") switch { "active" => "available", "queued" or "saving" or "importing" or "uploading" => "pending", "deleted" or "pending_delete" => "deregistered", _ => "failed" };
            var type = KindOf(image) == Ec2Kind.Kernel ? "kernel" : KindOf(image) == Ec2Kind.Ramdisk ? "ramdisk" : "machine";
            var volumeBacked = image.Str("block_device_mapping") is not null || image.Str("bdm_v2") is not null;
            if (!TagFilters.Passes(filters, tags.GetValueOrDefault(imageId), name => name switch
                {
                    "image-id" => [imageId],
                    "name" => [image.Str("name")],
                    "state" => [state],
                    "is-public" => [isPublic ? "true" : "false"],
                    "owner-id" => [owner],
                    "image-type" => [type],
                    "architecture" => ["x86_64"],
                    "root-device-type" => [volumeBacked ? "ebs" : "instance-store"],
                    _ => [image.Str("description")],
                }))
                continue;
            xml.Start("item").Element("imageId", imageId).Element("imageLocation", image.Str("name") ?? "").Element("imageState", state)
                .Element("imageOwnerId", owner).Time("creationDate", image.Time("created_at")).Element("isPublic", isPublic)
                .Element("architecture", "x86_64").Element("imageType", type)
                .Element("kernelId", image.Str("kernel_id") is { } k ? kernels[k] : null)
                .Element("ramdiskId", image.Str("ramdisk_id") is { } r ? ramdisks[r] : null)
                .Element("name", image.Str("name") ?? "").Element("description", image.Str("description"))
                .Element("rootDeviceType", volumeBacked ? "ebs" : "instance-store").Element("rootDeviceName", "/dev/vda")
                .Empty("blockDeviceMapping").Element("virtualizationType", "hvm").Element("hypervisor", "xen")
                .Tags(tags.GetValueOrDefault(imageId)).End();
        }
        xml.End();
        return xml.ToBytes();
    }

    public static async Task<byte[]> CreateImageAsync(Ec2Context context)
    {
        var instanceId = context.Request.Require("InstanceId");
        var name = context.Request.Require("Name");
        var server = await InstanceLoader.ServerAsync(context, instanceId);
        string? location;
        try
        {
            location = await context.Os.PostForLocationAsync($"{OsClient.Nova}/servers/{server.Str("id")}/action",
                new JsonObject { ["createImage"] = new JsonObject { ["name"] = name } }, context.Aborted);
        }
        catch (OsFault fault) when (fault.Status == 409)
        {
            throw new Ec2Error(400, "IncorrectInstanceState", fault.Message);
        }
        var osId = location?[(location.LastIndexOf('/') + 1)..] ?? throw new Ec2Error(503, "Unavailable", "Compute did not name the new image.");
        var imageId = await context.Ids.Ec2IdAsync(Ec2Kind.Image, osId, context.Aborted);
        await VpcActions.ApplyTagSpecificationsAsync(context, "image", [imageId]);
        using var xml = context.Response();
        xml.Element("imageId", imageId);
        return xml.ToBytes();
    }

    public static async Task<byte[]> RegisterImageAsync(Ec2Context context)
    {
        var request = context.Request;
        var name = request.Require("Name");
        if (request.Get("ImageLocation") is not null)
            throw Ec2Error.InvalidParameterValue("Registering images from S3 bundle manifests is not supported; upload the image to the Image service, or register a snapshot with BlockDeviceMapping.");
        string? snapshotOsId = null;
        var rootDevice = request.Get("RootDeviceName") ?? "/dev/vda";
        foreach (var index in request.Indexes("BlockDeviceMapping"))
        {
            if (request.Get($"BlockDeviceMapping.{index}.Ebs.SnapshotId") is { } snapshotId)
            {
                snapshotOsId = await context.Ids.OsIdAsync(Ec2Kind.Snapshot, snapshotId, context.Aborted);
                rootDevice = request.Get($"BlockDeviceMapping.{index}.DeviceName") ?? rootDevice;
                break;
            }
        }
        if (snapshotOsId is null)
            throw Ec2Error.MissingParameter("BlockDeviceMapping.1.Ebs.SnapshotId");
        var mapping = new JsonArray(new JsonObject
        {
            ["source_type"] = "snapshot", ["destination_type"] = "volume", ["snapshot_id"] = snapshotOsId, ["boot_index"] = 0,
            ["device_name"] = rootDevice, ["delete_on_termination"] = true,
        });
        var body = await context.Os.PostAsync($"{OsClient.Glance}/images", new JsonObject
        {
            ["name"] = name, ["disk_format"] = "raw", ["container_format"] = "bare",
            ["bdm_v2"] = "True", ["root_device_name"] = rootDevice, ["block_device_mapping"] = mapping.ToJsonString(),
        }, context.Aborted);
        var imageId = await context.Ids.Ec2IdAsync(Ec2Kind.Image, body.Str("id")!, context.Aborted);
        using var xml = context.Response();
        xml.Element("imageId", imageId);
        return xml.ToBytes();
    }

    public static async Task<byte[]> DeregisterImageAsync(Ec2Context context)
    {
        var imageId = context.Request.Require("ImageId");
        var image = await ImageAsync(context, imageId);
        try
        {
            await context.Os.DeleteAsync($"{OsClient.Glance}/images/{image.Str("id")}", context.Aborted);
        }
        catch (OsFault fault) when (fault.Status == 403)
        {
            throw Ec2Error.UnauthorizedOperation($"You may not deregister image '{imageId}': {fault.Message}");
        }
        await context.Tags.DeleteAsync(context.ProjectId, [imageId], [], context.Aborted);
        return VpcActions.True(context);
    }

    public static async Task<byte[]> DescribeImageAttributeAsync(Ec2Context context)
    {
        var imageId = context.Request.Require("ImageId");
        var attribute = context.Request.Require("Attribute");
        var image = await ImageAsync(context, imageId);
        using var xml = context.Response();
        xml.Element("imageId", imageId);
        switch (attribute)
        {
            case "launchPermission":
                xml.Start("launchPermission");
                if (image.Str("visibility") is "public" or "community")
                    xml.Start("item").Element("group", "all").End();
                if (image.Str("visibility") == "shared" && image.Str("owner") == context.ProjectId)
                {
                    var members = await context.Os.GetAsync($"{OsClient.Glance}/images/{image.Str("id")}/members", context.Aborted);
                    foreach (var member in members.Items("members"))
                        xml.Start("item").Element("userId", member.Str("member_id")).End();
                }
                xml.End();
                break;
            case "description":
                xml.Start("description").Element("value", image.Str("description") ?? "").End();
                break;
            case "kernel":
                xml.Start("kernel").Element("value", image.Str("kernel_id") is { } k ? await context.Ids.Ec2IdAsync(Ec2Kind.Kernel, k, context.Aborted) : null).End();
                break;
            case "ramdisk":
                xml.Start("ramdisk").Element("value", image.Str("ramdisk_id") is { } r ? await context.Ids.Ec2IdAsync(Ec2Kind.Ramdisk, r, context.Aborted) : null).End();
                break;
            case "blockDeviceMapping":
                xml.Empty("blockDeviceMapping");
                break;
            default:
                throw Ec2Error.InvalidParameterValue($"Value ({attribute}) for parameter attribute is invalid.");
        }
        return xml.ToBytes();
    }

    public static async Task<byte[]> ModifyImageAttributeAsync(Ec2Context context)
    {
        var request = context.Request;
        var imageId = request.Require("ImageId");
        var image = await ImageAsync(context, imageId);
        var osId = image.Str("id")!;
        var addUsers = request.Indexes("LaunchPermission.Add").Select(i => request.Get($"LaunchPermission.Add.{i}.UserId")).OfType<string>().ToList();
        var removeUsers = request.Indexes("LaunchPermission.Remove").Select(i => request.Get($"LaunchPermission.Remove.{i}.UserId")).OfType<string>().ToList();
        var addAll = request.Indexes("LaunchPermission.Add").Any(i => request.Get($"LaunchPermission.Add.{i}.Group") == "all");
        var removeAll = request.Indexes("LaunchPermission.Remove").Any(i => request.Get($"LaunchPermission.Remove.{i}.Group") == "all");
        // The older flat form: Attribute=launchPermission, OperationType=add|remove, UserId.n / UserGroup.n.
        if (request.Get("OperationType") is { } operation)
        {
            var users = request.List("UserId");
            var all = request.List("UserGroup").Contains("all");
            if (operation == "add") { addUsers.AddRange(users); addAll |= all; }
            else if (operation == "remove") { removeUsers.AddRange(users); removeAll |= all; }
            else throw Ec2Error.InvalidParameterValue($"Invalid OperationType: {operation}");
        }
        if (request.Get("Description.Value") is { } description)
        {
            await context.Os.PatchImageAsync(osId, new JsonArray(new JsonObject { ["op"] = "add", ["path"] = "/description", ["value"] = description }), context.Aborted);
            return VpcActions.True(context);
        }
        if (addUsers.Count + removeUsers.Count == 0 && !addAll && !removeAll)
            throw Ec2Error.MissingParameter("LaunchPermission");
        try
        {
            if (addAll || removeAll)
                await context.Os.PatchImageAsync(osId, new JsonArray(new JsonObject { ["op"] = "replace", ["path"] = "/visibility", ["value"] = addAll ? "public" : "shared" }), context.Aborted);
            if (addUsers.Count > 0 && image.Str("visibility") == "private" && !addAll)
                await context.Os.PatchImageAsync(osId, new JsonArray(new JsonObject { ["op"] = "replace", ["path"] = "/visibility", ["value"] = "shared" }), context.Aborted);
            foreach (var user in addUsers.Distinct())
            {
                try
                {
                    await context.Os.PostAsync($"{OsClient.Glance}/images/{osId}/members", new JsonObject { ["member"] = user }, context.Aborted);
                }
                catch (OsFault fault) when (fault.Status == 409)
                {
                    // already a member
                }
            }
            foreach (var user in removeUsers.Distinct())
            {
                try
                {
                    await context.Os.DeleteAsync($"{OsClient.Glance}/images/{osId}/members/{Uri.EscapeDataString(user)}", context.Aborted);
                }
                catch (OsFault fault) when (fault.Status == 404)
                {
                }
            }
        }
        catch (OsFault fault) when (fault.Status == 403)
        {
            throw Ec2Error.UnauthorizedOperation($"You may not change the launch permissions of image '{imageId}': {fault.Message}");
        }
        return VpcActions.True(context);
    }
}
