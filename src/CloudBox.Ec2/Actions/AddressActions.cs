using System.Text.Json.Nodes;
using CloudBox.Ec2.Api;
using CloudBox.Ec2.Ids;
using CloudBox.Ec2.OpenStack;

namespace CloudBox.Ec2.Actions;

/// <summary>Elastic IP addresses are Neutron floating IPs on the external network; the association id is derived from the allocation id.</summary>
internal static class AddressActions
{
    public static async Task<byte[]> AllocateAsync(Ec2Context context)
    {
        var external = await VpcActions.ExternalNetworkAsync(context)
            ?? throw new Ec2Error(400, "InvalidParameterValue", "This cloud has no external network to allocate addresses on.");
        JsonNode? body;
        try
        {
            body = await context.Os.PostAsync($"{OsClient.Neutron}/floatingips", new JsonObject { ["floatingip"] = new JsonObject { ["floating_network_id"] = external } }, context.Aborted);
        }
        catch (OsFault fault) when (fault.IsQuota || fault.Status == 409)
        {
            throw new Ec2Error(400, "AddressLimitExceeded", "The maximum number of addresses has been reached. " + fault.Message);
        }
        var floating = body?["floatingip"] ?? new JsonObject();
        var allocationId = await context.Ids.Ec2IdAsync(Ec2Kind.Address, floating.Str("id")!, context.Aborted);
        await VpcActions.ApplyTagSpecificationsAsync(context, "elastic-ip", [allocationId]);
        using var xml = context.Response();
        xml.Element("publicIp", floating.Str("floating_ip_address")).Element("domain", "vpc").Element("allocationId", allocationId)
            .Element("networkBorderGroup", context.Services.Region);
        return xml.ToBytes();
    }

    /// <summary>The floating IP named by <c>AllocationId</c> or <c>PublicIp</c>.</summary>
    private static async Task<(string AllocationId, JsonNode Floating)> FindAsync(Ec2Context context)
    {
        if (context.Request.Get("AllocationId") is { } allocationId)
        {
            var osId = await context.Ids.OsIdAsync(Ec2Kind.Address, allocationId, context.Aborted);
            try
            {
                return (allocationId, (await context.Os.GetAsync($"{OsClient.Neutron}/floatingips/{osId}", context.Aborted))["floatingip"]!);
            }
            catch (OsFault fault) when (fault.Status == 404)
            {
                throw Ec2Error.NotFound(Ec2Kind.Address.NotFoundCode, allocationId);
            }
        }
        var publicIp = context.Request.Get("PublicIp") ?? throw Ec2Error.MissingParameter("AllocationId");
        var found = (await context.Os.GetAsync($"{OsClient.Neutron}/floatingips?floating_ip_address={Uri.EscapeDataString(publicIp)}", context.Aborted)).Items("floatingips").FirstOrDefault()
            ?? throw new Ec2Error(400, "InvalidAddress.NotFound", $"Address '{publicIp}' not found.");
        return (await context.Ids.Ec2IdAsync(Ec2Kind.Address, found.Str("id")!, context.Aborted), found);
    }

    public static async Task<byte[]> ReleaseAsync(Ec2Context context)
    {
        var (allocationId, floating) = await FindAsync(context);
        if (floating.Str("port_id") is not null)
            throw new Ec2Error(400, "InvalidIPAddress.InUse", $"Address {floating.Str("floating_ip_address")} is in use; disassociate it first.");
        await context.Os.DeleteAsync($"{OsClient.Neutron}/floatingips/{floating.Str("id")}", context.Aborted);
        await context.Ids.ForgetAsync(Ec2Kind.Address, floating.Str("id")!, context.Aborted);
        await context.Tags.DeleteAsync(context.ProjectId, [allocationId], [], context.Aborted);
        return VpcActions.True(context);
    }

    public static async Task<byte[]> AssociateAsync(Ec2Context context)
    {
        var (allocationId, floating) = await FindAsync(context);
        string portId;
        if (context.Request.Get("NetworkInterfaceId") is { } eni)
        {
            portId = await context.Ids.OsIdAsync(Ec2Kind.NetworkInterface, eni, context.Aborted);
        }
        else
        {
            var instanceId = context.Request.Require("InstanceId");
            var server = await InstanceLoader.ServerAsync(context, instanceId);
            var ports = await context.Os.GetAsync($"{OsClient.Neutron}/ports?device_id={server.Str("id")}", context.Aborted);
            portId = ports.Items("ports").Select(p => p.Str("id")).FirstOrDefault(p => p is not null)
                ?? throw new Ec2Error(400, "InvalidInstanceID", $"The instance '{instanceId}' has no network interface.");
        }
        if (floating.Str("port_id") is { } current && current != portId && context.Request.Bool("AllowReassociation") != true)
            throw new Ec2Error(400, "Resource.AlreadyAssociated", $"Address {floating.Str("floating_ip_address")} is already associated.");
        var update = new JsonObject { ["port_id"] = portId };
        if (context.Request.Get("PrivateIpAddress") is { } fixedIp)
            update["fixed_ip_address"] = fixedIp;
        try
        {
            await context.Os.PutAsync($"{OsClient.Neutron}/floatingips/{floating.Str("id")}", new JsonObject { ["floatingip"] = update }, context.Aborted);
        }
        catch (OsFault fault) when (fault.Status is 400 or 404 or 409)
        {
            throw new Ec2Error(400, "InvalidParameterValue", "The address cannot be associated with this instance: " + fault.Message);
        }
        using var xml = context.Response();
        xml.Element("return", true).Element("associationId", AssociationOf(allocationId));
        return xml.ToBytes();
    }

    public static async Task<byte[]> DisassociateAsync(Ec2Context context)
    {
        JsonNode floating;
        if (context.Request.Get("AssociationId") is { } association)
        {
            if (!association.StartsWith("eipassoc-", StringComparison.Ordinal))
                throw new Ec2Error(400, Ec2Kind.Association.MalformedCode, $"Invalid id: \"{association}\"");
            var osId = await context.Ids.OsIdAsync(Ec2Kind.Address, "eipalloc-" + association["eipassoc-".Length..], context.Aborted);
            floating = (await context.Os.GetAsync($"{OsClient.Neutron}/floatingips/{osId}", context.Aborted))["floatingip"]!;
        }
        else
        {
            floating = (await FindAsync(context)).Floating;
        }
        if (floating.Str("port_id") is not null)
            await context.Os.PutAsync($"{OsClient.Neutron}/floatingips/{floating.Str("id")}", new JsonObject { ["floatingip"] = new JsonObject { ["port_id"] = null } }, context.Aborted);
        return VpcActions.True(context);
    }

    private static string AssociationOf(string allocationId) => "eipassoc-" + allocationId["eipalloc-".Length..];

    public static async Task<byte[]> DescribeAsync(Ec2Context context)
    {
        var allocationIds = context.Request.List("AllocationId");
        var publicIps = context.Request.List("PublicIp");
        var filters = context.Request.Filters();
        TagFilters.Check(filters, "allocation-id", "association-id", "domain", "instance-id", "network-interface-id", "private-ip-address", "public-ip");
        var wanted = await context.Ids.OsIdsAsync(Ec2Kind.Address, allocationIds, context.Aborted);
        var floating = (await context.Os.GetAsync($"{OsClient.Neutron}/floatingips?project_id={context.ProjectId}", context.Aborted)).Items("floatingips").ToList();
        foreach (var (id, osId) in allocationIds.Zip(wanted))
        {
            if (!floating.Any(f => f.Str("id") == osId))
                throw Ec2Error.NotFound(Ec2Kind.Address.NotFoundCode, id);
        }
        foreach (var ip in publicIps)
        {
            if (!floating.Any(f => f.Str("floating_ip_address") == ip))
                throw new Ec2Error(400, "InvalidAddress.NotFound", $"Address '{ip}' not found.");
        }
        var network = await NetworkView.LoadAsync(context, withFloating: false);
        var devices = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (device, ports) in network.PortsByDevice)
        {
            foreach (var port in ports)
                devices[port.Id] = device;
        }
        var instanceIds = await context.Ids.Ec2IdsAsync(Ec2Kind.Instance, floating.Select(f => f.Str("port_id")).OfType<string>()
            .Where(devices.ContainsKey).Select(p => devices[p]).ToHashSet(), context.Aborted);
        var addressIds = await context.Ids.Ec2IdsAsync(Ec2Kind.Address, floating.Select(f => f.Str("id")!).ToList(), context.Aborted);
        var tags = await context.Tags.ForAsync(context.ProjectId, addressIds.Values, context.Aborted);
        using var xml = context.Response();
        xml.Start("addressesSet");
        foreach (var address in floating)
        {
            var osId = address.Str("id")!;
            var allocationId = addressIds[osId];
            var publicIp = address.Str("floating_ip_address");
            if ((wanted.Count > 0 || publicIps.Count > 0) && !wanted.Contains(osId) && !publicIps.Contains(publicIp ?? ""))
                continue;
            var port = address.Str("port_id");
            var instanceId = port is not null && devices.TryGetValue(port, out var device) ? instanceIds.GetValueOrDefault(device) : null;
            var eni = port is null ? null : network.PortIds.GetValueOrDefault(port);
            var association = port is null ? null : AssociationOf(allocationId);
            if (!TagFilters.Passes(filters, tags.GetValueOrDefault(allocationId), name => name switch
                {
                    "allocation-id" => [allocationId],
                    "association-id" => [association],
                    "domain" => ["vpc"],
                    "instance-id" => [instanceId],
                    "network-interface-id" => [eni],
                    "private-ip-address" => [address.Str("fixed_ip_address")],
                    _ => [publicIp],
                }))
                continue;
            xml.Start("item").Element("publicIp", publicIp).Element("allocationId", allocationId).Element("domain", "vpc")
                .Element("instanceId", instanceId).Element("associationId", association).Element("networkInterfaceId", eni)
                .Element("networkInterfaceOwnerId", port is null ? null : context.ProjectId).Element("privateIpAddress", address.Str("fixed_ip_address"))
                .Tags(tags.GetValueOrDefault(allocationId)).Element("networkBorderGroup", context.Services.Region).End();
        }
        xml.End();
        return xml.ToBytes();
    }
}
