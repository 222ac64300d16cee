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

    public static async Task<List<InstanceData>> LoadAsync(Ec2Context context, IReadOnlyList<JsonNode> servers)
    {
        if (servers.Count == 0)
            return [];
        var flavors = await FlavorNamesAsync(context);
        var network = await NetworkView.LoadAsync(context);
        var osIds = servers.Select(s => s.Str("id")!).ToList();
        var instanceIds = await context.Ids.Ec2IdsAsync(Ec2Kind.Instance, osIds, context.Aborted);
        var imageIds = await context.Ids.Ec2IdsAsync(Ec2Kind.Image, servers.Select(s => s["image"]?.Str("id")).OfType<string>().ToHashSet(), context.Aborted);
        var volumeIds = await context.Ids.Ec2IdsAsync(Ec2Kind.Volume,
            servers.SelectMany(s => s.Items("os-extended-volumes:volumes_attached")).Select(v => v.Str("id")).OfType<string>().ToHashSet(), context.Aborted);
        var reservations = await context.Services.Reservations.ForAsync(osIds, context.Aborted);
        var tags = await context.Tags.ForAsync(context.ProjectId, instanceIds.Values, context.Aborted);
        var result = new List<InstanceData>(servers.Count);
        foreach (var server in servers)
        {
            var osId = server.Str("id")!;
            var instanceId = instanceIds[osId];
            var ports = network.PortsOf(osId);
            var firstIp = ports.SelectMany(p => p.Items("fixed_ips")).FirstOrDefault(ip => ip.Str("ip_address")?.Contains('.') == true);
            var subnet = firstIp.Str("subnet_id");
            var groups = ports.SelectMany(p => p.Items("security_groups")).Select(g => g.GetValue<string>()).Distinct()
                .Where(network.GroupIds.ContainsKey).Select(g => (network.GroupIds[g], network.GroupNames[g])).ToList();
            var floating = ports.Select(p => network.FloatingByPort.GetValueOrDefault(p.Str("id") ?? "")).FirstOrDefault(f => f is not null);
            var reservation = reservations.GetValueOrDefault(osId);
            var imageOsId = server["image"]?.Str("id");
            result.Add(new InstanceData
            {
                OsId = osId,
                InstanceId = instanceId,
                ReservationId = reservation?.ReservationId ?? Reservations.Of(instanceId),
                LaunchIndex = reservation?.LaunchIndex ?? 0,
                OwnerId = server.Str("tenant_id") ?? context.ProjectId,
                ImageId = imageOsId is null ? null : imageIds.GetValueOrDefault(imageOsId),
                State = InstanceState.Of(server.Str("status"), server.Str("OS-EXT-STS:vm_state"), server.Str("OS-EXT-STS:task_state")),
                KeyName = server.Str("key_name"),
                InstanceType = flavors.GetValueOrDefault(server["flavor"]?.Str("id") ?? "") ?? server["flavor"]?.Str("id") ?? "",
                LaunchTime = server.Time("OS-SRV-USG:launched_at") ?? server.Time("created"),
                Zone = server.Str("OS-EXT-AZ:availability_zone") ?? "nova",
                PrivateIp = firstIp.Str("ip_address"),
                PublicIp = floating.Str("floating_ip_address"),
                SubnetId = subnet is null ? null : network.SubnetIds.GetValueOrDefault(subnet),
                VpcId = network.VpcOfSubnet(subnet),
                ClientToken = reservation?.ClientToken,
                Locked = server.Flag("locked") ?? false,
                Groups = groups,
                Interfaces = ports.Where(p => network.PortIds.ContainsKey(p.Str("id") ?? "")).Select(p => (network.PortIds[p.Str("id")!], p)).ToList(),
                Volumes = server.Items("os-extended-volumes:volumes_attached").Select(v => v.Str("id")).OfType<string>()
                    .Select(v => (volumeIds[v], false)).ToList(),
                Tags = tags.GetValueOrDefault(instanceId),
            });
        }
        return result;
    }

    /// <summary>Flavor id → name (EC2's instance type is the flavor's name).</summary>
    public static async Task<Dictionary<string, string>> FlavorNamesAsync(Ec2Context context)
    {
        var body = await context.Os.GetAsync($"{OsClient.Nova}/flavors/detail", context.Aborted);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var flavor in body.Items("flavors"))
        {
            if (flavor.Str("id") is { } id)
                names[id] = flavor.Str("name") ?? id;
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
