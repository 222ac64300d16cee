using System.Text.Json.Nodes;
using CloudBox.Ec2.Api;
using CloudBox.Ec2.Ids;
using CloudBox.Ec2.OpenStack;

namespace CloudBox.Ec2.Actions;

/// <summary>Turns Nova servers into <see cref="InstanceData"/>: flavors, ports, groups, volumes, EC2 ids, tags and reservations, each read once.</summary>
internal static class InstanceLoader
{
    /// <summary>Nova's servers with the fields EC2 needs (2.9 shows <c>locked</c>).</summary>
    public const string Microversion = "2.9";

    public static async Task<JsonNode> ServerAsync(Ec2Context context, string instanceId)
    {
        var osId = await context.Ids.OsIdAsync(Ec2Kind.Instance, instanceId, context.Aborted);
        try
        {
            var body = await context.Os.GetAsync($"{OsClient.Nova}/servers/{osId}", context.Aborted, Microversion);
            return body["server"] ?? throw Ec2Error.NotFound(Ec2Kind.Instance.NotFoundCode, instanceId);
        }
        catch (OsFault fault) when (fault.Status == 404)
        {
            throw Ec2Error.NotFound(Ec2Kind.Instance.NotFoundCode, instanceId);
        }
    }

    public static Task<List<InstanceData>> LoadAsync(Ec2Context context, IReadOnlyList<JsonNode> servers) =>
        LoadAsync(context, servers.Select(NovaServer.From).ToList());

    /// <summary>
    /// The instances of <paramref name="servers"/>; <paramref name="flavors"/> and <paramref name="network"/> when the
    /// caller started those reads already (they do not depend on the servers), else they are read here.
    /// </summary>
    public static async Task<List<InstanceData>> LoadAsync(Ec2Context context, IReadOnlyList<NovaServer> servers,
        Task<Dictionary<string, string>>? flavors = null, Task<NetworkView>? network = null)
    {
        if (servers.Count == 0)
            return [];
        // Flavors, the network and the module's own tables are independent of each other: all in flight at once.
        var flavorsTask = flavors ?? FlavorNamesAsync(context);
        var networkTask = network ?? NetworkView.LoadAsync(context);
        var osIds = new List<string>(servers.Count);
        var imageOsIds = new HashSet<string>(StringComparer.Ordinal);
        var volumeOsIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var server in servers)
        {
            osIds.Add(server.Id);
            if (server.ImageId is { } image)
                imageOsIds.Add(image);
            foreach (var volume in server.VolumesAttached ?? [])
            {
                if (volume.Id is { } id)
                    volumeOsIds.Add(id);
            }
        }
        var instanceIdsTask = context.Ids.Ec2IdsAsync(Ec2Kind.Instance, osIds, context.Aborted);
        var imageIdsTask = context.Ids.Ec2IdsAsync(Ec2Kind.Image, imageOsIds, context.Aborted);
        var volumeIdsTask = context.Ids.Ec2IdsAsync(Ec2Kind.Volume, volumeOsIds, context.Aborted);
        var reservationsTask = context.Services.Reservations.ForAsync(osIds, context.Aborted);
        await Task.WhenAll(instanceIdsTask, imageIdsTask, volumeIdsTask, reservationsTask, flavorsTask, networkTask);
        var instanceIds = await instanceIdsTask;
        var imageIds = await imageIdsTask;
        var volumeIds = await volumeIdsTask;
        var reservations = await reservationsTask;
        var tags = await context.Tags.ForAsync(context.ProjectId, instanceIds.Values, context.Aborted);
        var flavorNames = await flavorsTask;
        var view = await networkTask;
        var result = new List<InstanceData>(servers.Count);
        foreach (var server in servers)
        {
            var osId = server.Id;
            var instanceId = instanceIds[osId];
            var ports = view.PortsOf(osId);
            NeutronFixedIp? firstIp = null;
            var groups = new List<(string Id, string Name)>();
            var interfaces = new List<(string EniId, NeutronPort Port)>(ports.Count);
            NeutronFloatingIp? floating = null;
            foreach (var port in ports)
            {
                foreach (var ip in port.Ips)
                {
                    if (firstIp is null && ip.IpAddress?.Contains('.') == true)
                        firstIp = ip;
                }
                foreach (var group in port.Groups)
                {
                    if (view.GroupIds.TryGetValue(group, out var groupId) && !groups.Exists(g => g.Id == groupId))
                        groups.Add((groupId, view.GroupNames[group]));
                }
                floating ??= view.FloatingByPort.GetValueOrDefault(port.Id);
                if (view.PortIds.TryGetValue(port.Id, out var eni))
                    interfaces.Add((eni, port));
            }
            var subnet = firstIp?.SubnetId;
            var reservation = reservations.GetValueOrDefault(osId);
            var imageOsId = server.ImageId;
            var flavorId = server.Flavor?.Id ?? "";
            var volumes = new List<(string VolumeId, bool DeleteOnTermination)>();
            foreach (var volume in server.VolumesAttached ?? [])
            {
                if (volume.Id is { } id)
                    volumes.Add((volumeIds[id], false));
            }
            result.Add(new InstanceData
            {
                OsId = osId,
                InstanceId = instanceId,
                ReservationId = reservation?.ReservationId ?? Reservations.Of(instanceId),
                LaunchIndex = reservation?.LaunchIndex ?? 0,
                OwnerId = server.TenantId ?? context.ProjectId,
                ImageId = imageOsId is null ? null : imageIds.GetValueOrDefault(imageOsId),
                State = InstanceState.Of(server.Status, server.VmState, server.TaskState),
                KeyName = server.KeyName,
                InstanceType = flavorNames.GetValueOrDefault(flavorId) ?? flavorId,
                LaunchTime = server.LaunchTime,
                Zone = server.AvailabilityZone ?? "nova",
                PrivateIp = firstIp?.IpAddress,
                PublicIp = floating?.FloatingIpAddress,
                SubnetId = subnet is null ? null : view.SubnetIds.GetValueOrDefault(subnet),
                VpcId = view.VpcOfSubnet(subnet),
                ClientToken = reservation?.ClientToken,
                Locked = server.Locked ?? false,
                Groups = groups,
                Interfaces = interfaces,
                Volumes = volumes,
                Tags = tags.GetValueOrDefault(instanceId),
            });
        }
        return result;
    }

    /// <summary>Flavor id → name (EC2's instance type is the flavor's name).</summary>
    public static async Task<Dictionary<string, string>> FlavorNamesAsync(Ec2Context context)
    {
        var body = await context.Os.GetAsync($"{OsClient.Nova}/flavors/detail", Ec2JsonContext.Default.NovaFlavorList, context.Aborted);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var flavor in body.Flavors ?? [])
        {
            if (flavor.Id is { } id)
                names[id] = flavor.Name ?? id;
        }
        return names;
    }

    /// <summary>Writes reservations (<c>reservationSet</c> items) grouping instances by reservation, in order.</summary>
    public static void WriteReservations(Ec2Xml xml, IReadOnlyList<InstanceData> instances)
    {
        foreach (var group in instances.GroupBy(i => i.ReservationId))
        {
            var first = group.First();
            xml.Start("item").Element("reservationId", group.Key).Element("ownerId", first.OwnerId).Empty("groupSet").Start("instancesSet");
            foreach (var instance in group)
                instance.Write(xml);
            xml.End().End();
        }
    }
}
