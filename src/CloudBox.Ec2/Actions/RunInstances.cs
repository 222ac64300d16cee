using System.Text.Json.Nodes;
using CloudBox.Ec2.Api;
using CloudBox.Ec2.Ids;
using CloudBox.Ec2.OpenStack;

namespace CloudBox.Ec2.Actions;

/// <summary>
/// RunInstances: each instance is a Nova server (named after its Name tag, else its EC2 id) on the
/// requested subnet (the default VPC's without one) with its security groups set on its port.
/// Counts are bounded and checked against Compute's quota before anything is made; a ClientToken
/// seen again answers the first call's reservation.
/// </summary>
internal static class RunInstances
{
    /// <summary>The most instances one call may launch.</summary>
    public const int MaxCount = 100;

    public static async Task<byte[]> RunAsync(Ec2Context context)
    {
        var request = context.Request;
        var imageId = request.Require("ImageId");
        var minCount = request.Int("MinCount", 1, 1, MaxCount);
        var maxCount = request.Int("MaxCount", minCount, 1, MaxCount);
        if (minCount > maxCount)
            throw Ec2Error.InvalidParameterValue($"MinCount ({minCount}) must be no greater than MaxCount ({maxCount}).");
        var instanceTags = VpcActions.TagSpecifications(request, "instance");
        var volumeTags = VpcActions.TagSpecifications(request, "volume");
        var clientToken = request.Get("ClientToken");
        string reservationId = Reservations.New();
        if (clientToken is not null)
        {
            if (clientToken.Length > 64)
                throw Ec2Error.InvalidParameterValue("ClientToken must be at most 64 characters.");
            var digest = request.Digest("ClientToken", "Action", "Version", "X-Amz-Date", "Signature", "Timestamp", "AWSAccessKeyId", "SignatureMethod", "SignatureVersion");
            if (await context.Services.Reservations.ClaimTokenAsync(context.ProjectId, clientToken, digest, reservationId, context.Aborted) is { } earlier)
                return await DescribeReservationAsync(context, earlier);
        }

        var imageOsId = await ImageActions.OsImageIdAsync(context, imageId);
        var flavorId = await FlavorIdAsync(context, request.Get("InstanceType") ?? "m1.small");
        var userData = request.Get("UserData");
        if (userData is not null)
        {
            try
            {
                Convert.FromBase64String(userData);
            }
            catch (FormatException)
            {
                throw Ec2Error.InvalidParameterValue("Invalid BASE64 encoding of user data.");
            }
        }
        var keyName = request.Get("KeyName");
        var privateIp = request.Get("PrivateIpAddress");
        if (privateIp is not null && maxCount > 1)
            throw Ec2Error.InvalidParameterCombination("PrivateIpAddress can be used only when launching one instance.");
        var groups = await SecurityGroupActions.ResolveAsync(context, request.List("SecurityGroupId"), request.List("SecurityGroup"));
        string subnetId;
        if (request.Get("SubnetId") is { } subnet)
            subnetId = await context.Ids.OsIdAsync(Ec2Kind.Subnet, subnet, context.Aborted);
        else
            subnetId = (await VpcActions.DefaultAsync(context)).SubnetId;
        string networkId;
        try
        {
            networkId = (await context.Os.GetAsync($"{OsClient.Neutron}/subnets/{subnetId}", context.Aborted))["subnet"].Str("network_id")!;
        }
        catch (OsFault fault) when (fault.Status == 404)
        {
            throw Ec2Error.NotFound(Ec2Kind.Subnet.NotFoundCode, request.Get("SubnetId") ?? subnetId);
        }
        var blockDevices = BlockDevices(request, imageOsId);
        var lockAfter = request.Bool("DisableApiTermination") ?? false;
        var zone = request.Get("Placement.AvailabilityZone");

        // Bounded before anything is made: the project's remaining instances from Compute's limits.
        var limits = (await context.Os.GetAsync($"{OsClient.Nova}/limits", context.Aborted))["limits"]?["absolute"];
        var max = limits.Num("maxTotalInstances") ?? -1;
        var used = limits.Num("totalInstancesUsed") ?? 0;
        var count = maxCount;
        if (max >= 0)
        {
            var room = (int)Math.Max(0, max - used);
            if (room < minCount)
                throw InstanceLimitExceeded(room, minCount);
            count = Math.Min(count, room);
        }

        var launched = new List<string>(count);
        for (var index = 0; index < count; index++)
        {
            var instanceId = Ec2IdStore.NewId(Ec2Kind.Instance);
            var name = instanceTags.LastOrDefault(t => t.Key == "Name").Value is { Length: > 0 } tagged ? tagged : instanceId;
            var networkRequest = new JsonObject { ["uuid"] = networkId };
            if (privateIp is not null)
                networkRequest["fixed_ip"] = privateIp;
            var server = new JsonObject
            {
                ["name"] = name,
                ["flavorRef"] = flavorId,
                ["networks"] = new JsonArray(networkRequest),
            };
            if (blockDevices is null)
                server["imageRef"] = imageOsId;
            else
                server["block_device_mapping_v2"] = blockDevices.DeepClone();
            if (keyName is not null)
                server["key_name"] = keyName;
            if (userData is not null)
                server["user_data"] = userData;
            if (zone is not null)
                server["availability_zone"] = zone;
            if (groups.Count > 0)
                server["security_groups"] = new JsonArray([.. groups.Select(g => (JsonNode)new JsonObject { ["name"] = g })]);
            string osId;
            try
            {
                var created = await context.Os.PostAsync($"{OsClient.Nova}/servers", new JsonObject { ["server"] = server }, context.Aborted, "2.37");
                osId = created?["server"].Str("id") ?? throw new Ec2Error(503, "Unavailable", "Compute did not answer a server.");
            }
            catch (OsFault fault) when (fault.Status == 403 && fault.IsQuota)
            {
                if (index >= minCount)
                    break;
                await UndoAsync(context, launched);
                throw InstanceLimitExceeded(index, minCount);
            }
            catch (OsFault fault) when (fault.Status is 400 or 404 or 409)
            {
                await UndoAsync(context, launched);
                throw Translate(fault, keyName, request.Get("InstanceType"));
            }
            await context.Ids.BindAsync(Ec2Kind.Instance, instanceId, osId, context.Aborted);
            await context.Services.Reservations.AddAsync(osId, context.ProjectId, reservationId, index, clientToken, context.Aborted);
            launched.Add(osId);
            if (instanceTags.Count > 0)
                await context.Tags.SetAsync(context.ProjectId, [instanceId], instanceTags, context.Aborted);
            if (lockAfter)
                await context.Os.PostAsync($"{OsClient.Nova}/servers/{osId}/action", new JsonObject { ["lock"] = null }, context.Aborted);
        }
        if (volumeTags.Count > 0)
            await TagVolumesAsync(context, launched, volumeTags);
        return await DescribeReservationAsync(context, reservationId);
    }

    private static Ec2Error InstanceLimitExceeded(int room, int requested) =>
        new(400, "InstanceLimitExceeded", $"Your quota allows for {room} more running instance(s). You requested at least {requested}.");

    private static Ec2Error Translate(OsFault fault, string? keyName, string? instanceType)
    {
        var message = fault.Message;
        if (keyName is not null && message.Contains("key", StringComparison.OrdinalIgnoreCase) && message.Contains(keyName, StringComparison.Ordinal))
            return new Ec2Error(400, "InvalidKeyPair.NotFound", $"The key pair '{keyName}' does not exist");
        if (message.Contains("Flavor", StringComparison.Ordinal))
            return Ec2Error.InvalidParameterValue($"Invalid value '{instanceType}' for InstanceType.");
        if (fault.Status == 409 && message.Contains("address", StringComparison.OrdinalIgnoreCase))
            return new Ec2Error(400, "InvalidIPAddress.InUse", message);
        return Ec2Error.InvalidParameterValue(message);
    }

    private static async Task UndoAsync(Ec2Context context, List<string> launched)
    {
        foreach (var osId in launched)
        {
            try
            {
                await context.Os.DeleteAsync($"{OsClient.Nova}/servers/{osId}", CancellationToken.None);
            }
            catch (OsFault)
            {
                // best effort: the server is already going
            }
        }
    }

    private static async Task TagVolumesAsync(Ec2Context context, List<string> launched, List<KeyValuePair<string, string>> tags)
    {
        var volumes = new List<string>();
        foreach (var osId in launched)
        {
            var server = await context.Os.GetAsync($"{OsClient.Nova}/servers/{osId}", context.Aborted);
            volumes.AddRange(server["server"].Items("os-extended-volumes:volumes_attached").Select(v => v.Str("id")).OfType<string>());
        }
        var ids = await context.Ids.Ec2IdsAsync(Ec2Kind.Volume, volumes, context.Aborted);
        await context.Tags.SetAsync(context.ProjectId, [.. ids.Values], tags, context.Aborted);
    }

    /// <summary>The instance type (flavor name, or a flavor id) as a flavor id.</summary>
    public static async Task<string> FlavorIdAsync(Ec2Context context, string instanceType)
    {
        foreach (var (id, name) in await InstanceLoader.FlavorNamesAsync(context))
        {
            if (name == instanceType || id == instanceType)
                return id;
        }
        throw Ec2Error.InvalidParameterValue($"Invalid value '{instanceType}' for InstanceType.");
    }

    /// <summary><c>BlockDeviceMapping.n</c> as Nova's <c>block_device_mapping_v2</c>, or null when none are given.</summary>
    private static JsonArray? BlockDevices(Ec2Request request, string imageOsId)
    {
        var indexes = request.Indexes("BlockDeviceMapping");
        if (indexes.Count == 0)
            return null;
        var mappings = new JsonArray();
        var rootGiven = false;
        foreach (var index in indexes)
        {
            var prefix = $"BlockDeviceMapping.{index}";
            var device = request.Get(prefix + ".DeviceName") ?? throw Ec2Error.MissingParameter(prefix + ".DeviceName");
            if (request.Get(prefix + ".NoDevice") is not null || request.Get(prefix + ".VirtualName") is not null)
                continue;
            var size = request.Int(prefix + ".Ebs.VolumeSize", 0, 1, 16384);
            var deleteOnTermination = request.Bool(prefix + ".Ebs.DeleteOnTermination") ?? true;
            var snapshot = request.Get(prefix + ".Ebs.SnapshotId");
            var isRoot = device is "/dev/sda1" or "/dev/sda" or "/dev/vda" or "/dev/xvda";
            var mapping = new JsonObject { ["device_name"] = device, ["destination_type"] = "volume", ["delete_on_termination"] = deleteOnTermination };
            if (isRoot)
            {
                rootGiven = true;
                mapping["source_type"] = "image";
                mapping["uuid"] = imageOsId;
                mapping["boot_index"] = 0;
            }
            else if (snapshot is not null)
            {
                throw Ec2Error.InvalidParameterValue("Volumes from snapshots in BlockDeviceMapping are not supported; attach them after launch.");
            }
            else
            {
                mapping["source_type"] = "blank";
                mapping["boot_index"] = -1;
            }
            if (size == 0 && !isRoot)
                throw Ec2Error.MissingParameter(prefix + ".Ebs.VolumeSize");
            if (size > 0)
                mapping["volume_size"] = size;
            mappings.Add(mapping);
        }
        if (mappings.Count == 0)
            return null;
        if (!rootGiven)
            mappings.Insert(0, new JsonObject { ["source_type"] = "image", ["uuid"] = imageOsId, ["destination_type"] = "local", ["boot_index"] = 0, ["delete_on_termination"] = true });
        return mappings;
    }

    private static async Task<byte[]> DescribeReservationAsync(Ec2Context context, string reservationId)
    {
        var servers = new List<JsonNode>();
        foreach (var osId in await context.Services.Reservations.InstancesOfAsync(reservationId, context.Aborted))
        {
            try
            {
                var body = await context.Os.GetAsync($"{OsClient.Nova}/servers/{osId}", context.Aborted, InstanceLoader.Microversion);
                if (body["server"] is { } server)
                    servers.Add(server);
            }
            catch (OsFault fault) when (fault.Status == 404)
            {
            }
        }
        var instances = await InstanceLoader.LoadAsync(context, servers);
        using var xml = context.Response();
        xml.Element("reservationId", reservationId).Element("ownerId", context.ProjectId).Empty("groupSet").Start("instancesSet");
        foreach (var instance in instances)
            instance.Write(xml);
        xml.End();
        return xml.ToBytes();
    }
}
