using System.Text.Json.Nodes;
using CloudBox.Ec2.Api;
using CloudBox.Ec2.OpenStack;

namespace CloudBox.Ec2.Actions;

/// <summary>Describe/ModifyInstanceAttribute: instance type, user data, disableApiTermination (Nova's lock) and the read-only ones.</summary>
internal static class InstanceAttributes
{
    public static async Task<byte[]> DescribeAsync(Ec2Context context)
    {
        var id = context.Request.Require("InstanceId");
        var attribute = context.Request.Require("Attribute");
        var server = await InstanceLoader.ServerAsync(context, id);
        var instance = (await InstanceLoader.LoadAsync(context, [server]))[0];
        using var xml = context.Response();
        xml.Element("instanceId", id);
        switch (attribute)
        {
            case "instanceType":
                xml.Start("instanceType").Element("value", instance.InstanceType).End();
                break;
            case "userData":
                var admin = await context.Os.GetAsync($"{OsClient.Nova}/servers/{instance.OsId}", context.Aborted, "2.3");
                xml.Start("userData");
                if (admin["server"].Str("OS-EXT-SRV-ATTR:user_data") is { Length: > 0 } userData)
                    xml.Element("value", userData);
                xml.End();
                break;
            case "disableApiTermination":
                xml.Start("disableApiTermination").Element("value", instance.Locked).End();
                break;
            case "instanceInitiatedShutdownBehavior":
                xml.Start("instanceInitiatedShutdownBehavior").Element("value", "stop").End();
                break;
            case "rootDeviceName":
                xml.Start("rootDeviceName").Element("value", "/dev/vda").End();
                break;
            case "groupSet":
                xml.Start("groupSet");
                foreach (var (groupId, _) in instance.Groups)
                    xml.Start("item").Element("groupId", groupId).End();
                xml.End();
                break;
            case "kernel" or "ramdisk":
                xml.Empty(attribute);
                break;
            case "sourceDestCheck":
                xml.Start("sourceDestCheck").Element("value", true).End();
                break;
            case "ebsOptimized":
                xml.Start("ebsOptimized").Element("value", false).End();
                break;
            case "disableApiStop" or "enaSupport":
                xml.Start(attribute).Element("value", false).End();
                break;
            case "productCodes" or "sriovNetSupport":
                xml.Empty(attribute);
                break;
            case "enclaveOptions":
                xml.Start("enclaveOptions").Element("enabled", false).End();
                break;
            case "blockDeviceMapping":
                // The same devices DescribeInstances shows: the attached volumes from /dev/vdb on.
                xml.Start("blockDeviceMapping");
                var letter = 'b';
                foreach (var (volumeId, deleteOnTermination) in instance.Volumes)
                {
                    xml.Start("item").Element("deviceName", "/dev/vd" + letter++)
                        .Start("ebs").Element("volumeId", volumeId).Element("status", "attached").Element("deleteOnTermination", deleteOnTermination).End()
                        .End();
                }
                xml.End();
                break;
            default:
                throw Ec2Error.InvalidParameterValue($"Value ({attribute}) for parameter attribute is invalid. Unknown attribute.");
        }
        return xml.ToBytes();
    }

    public static async Task<byte[]> ModifyAsync(Ec2Context context)
    {
        var request = context.Request;
        var id = request.Require("InstanceId");
        var server = await InstanceLoader.ServerAsync(context, id);
        var osId = server.Str("id")!;
        var attribute = request.Get("Attribute");
        var value = request.Get("Value");
        bool? locked = request.Bool("DisableApiTermination.Value");
        if (attribute == "disableApiTermination" && value is not null)
            locked = value.Equals("true", StringComparison.OrdinalIgnoreCase);
        if (locked is not null)
        {
            await context.Os.PostAsync($"{OsClient.Nova}/servers/{osId}/action", new JsonObject { [locked.Value ? "lock" : "unlock"] = null }, context.Aborted);
            return VpcActions.True(context);
        }
        if (request.Get("InstanceType.Value") is not null || attribute == "instanceType")
            throw new Ec2Error(400, "UnsupportedOperation", "Changing the instance type (a resize) is not supported by this cloud's Compute service.");
        if (request.Get("UserData.Value") is not null || attribute == "userData")
            throw new Ec2Error(400, "UnsupportedOperation", "The user data of an instance cannot be changed in this cloud (Compute keeps it from the launch).");
        if (request.Indexes("GroupId").Count > 0)
        {
            var groups = await SecurityGroupActions.ResolveAsync(context, request.List("GroupId"), []);
            var ports = await context.Os.GetAsync($"{OsClient.Neutron}/ports?device_id={osId}", context.Aborted);
            foreach (var port in ports.Items("ports"))
            {
                await context.Os.PutAsync($"{OsClient.Neutron}/ports/{port.Str("id")}", new JsonObject
                {
                    ["port"] = new JsonObject { ["security_groups"] = new JsonArray([.. groups.Select(g => (JsonNode)JsonValue.Create(g))]) },
                }, context.Aborted);
            }
            return VpcActions.True(context);
        }
        throw Ec2Error.MissingParameter("Attribute");
    }

    public static async Task<byte[]> DescribeInstanceTypesAsync(Ec2Context context)
    {
        var wanted = context.Request.List("InstanceType");
        var filters = context.Request.Filters();
        TagFilters.Check(filters, "instance-type", "vcpu-info.default-vcpus", "memory-info.size-in-mib");
        var body = await context.Os.GetAsync($"{OsClient.Nova}/flavors/detail", context.Aborted);
        var flavors = body.Items("flavors").ToList();
        foreach (var name in wanted)
        {
            if (!flavors.Any(f => f.Str("name") == name))
                throw Ec2Error.InvalidParameterValue($"The following supplied instance types do not exist: [{name}]");
        }
        using var xml = context.Response();
        xml.Start("instanceTypeSet");
        foreach (var flavor in flavors)
        {
            var name = flavor.Str("name") ?? "";
            var vcpus = flavor.Num("vcpus") ?? 1;
            var ram = flavor.Num("ram") ?? 0;
            var disk = flavor.Num("disk") ?? 0;
            if (wanted.Count > 0 && !wanted.Contains(name))
                continue;
            if (!TagFilters.Passes(filters, null, filter => filter switch
                {
                    "instance-type" => [name],
                    "vcpu-info.default-vcpus" => [vcpus.ToString(System.Globalization.CultureInfo.InvariantCulture)],
                    _ => [ram.ToString(System.Globalization.CultureInfo.InvariantCulture)],
                }))
                continue;
            xml.Start("item").Element("instanceType", name).Element("currentGeneration", true).Element("freeTierEligible", false)
                .Start("supportedUsageClasses").Element("item", "on-demand").End()
                .Start("supportedRootDeviceTypes").Element("item", "ebs").Element("item", "instance-store").End()
                .Start("supportedVirtualizationTypes").Element("item", "hvm").End()
                .Element("bareMetal", false).Element("hypervisor", "xen")
                .Start("processorInfo").Start("supportedArchitectures").Element("item", "x86_64").End().End()
                .Start("vCpuInfo").Element("defaultVCpus", vcpus).Element("defaultCores", vcpus).Element("defaultThreadsPerCore", 1).End()
                .Start("memoryInfo").Element("sizeInMiB", ram).End()
                .Element("instanceStorageSupported", disk > 0);
            if (disk > 0)
                xml.Start("instanceStorageInfo").Element("totalSizeInGB", disk).Start("disks").Start("item").Element("sizeInGB", disk).Element("count", 1).Element("type", "ssd").End().End().End();
            xml.Start("ebsInfo").Element("ebsOptimizedSupport", "unsupported").Element("encryptionSupport", "unsupported").End()
                .Start("networkInfo").Element("networkPerformance", "Moderate").Element("maximumNetworkInterfaces", 1).Element("ipv4AddressesPerInterface", 1).End()
                .Element("autoRecoverySupported", false).Element("hibernationSupported", false)
                .End();
        }
        xml.End();
        return xml.ToBytes();
    }
}
