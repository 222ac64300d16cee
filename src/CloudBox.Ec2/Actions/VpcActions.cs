using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Ec2.Api;
using CloudBox.Ec2.Ids;
using CloudBox.Ec2.OpenStack;

namespace CloudBox.Ec2.Actions;

/// <summary>
/// VPCs and subnets as ec2-api mapped them onto Neutron: a VPC is a router (its CIDR kept in the
/// module's table), a subnet is a network with one subnet attached to the VPC's router. Each
/// project gets a default VPC (172.31.0.0/16 with one /20 subnet, routed to the external network
/// when there is one) the first time it needs one, so RunInstances without a subnet works.
/// </summary>
internal static class VpcActions
{
    private const string DefaultCidr = "172.31.0.0/16";
    private const string DefaultSubnetCidr = "172.31.0.0/20";

    /// <summary>The default VPC's router and its subnet (Neutron ids), made on first use.</summary>
    public static async Task<(string RouterId, string SubnetId)> DefaultAsync(Ec2Context context)
    {
        var services = context.Services;
        await services.DefaultVpcLock.WaitAsync(context.Aborted);
        try
        {
            foreach (var vpc in await services.Vpcs.ListAsync(context.ProjectId, context.Aborted))
            {
                if (!vpc.IsDefault)
                    continue;
                var subnets = await SubnetsOfRouterAsync(context, vpc.RouterId);
                if (subnets.Count > 0)
                    return (vpc.RouterId, subnets[0]);
                await services.Vpcs.RemoveAsync(vpc.RouterId, context.Aborted); // its router or subnet went away: make a new one
            }
            var routerId = await CreateRouterAsync(context, "default-vpc", withGateway: true);
            await services.Vpcs.AddAsync(routerId, context.ProjectId, DefaultCidr, true, context.Aborted);
            var subnetId = await CreateSubnetOnRouterAsync(context, routerId, DefaultSubnetCidr, "default-subnet");
            return (routerId, subnetId);
        }
        finally
        {
            services.DefaultVpcLock.Release();
        }
    }

    private static async Task<string> CreateRouterAsync(Ec2Context context, string name, bool withGateway)
    {
        var router = new JsonObject { ["name"] = name };
        if (withGateway && await ExternalNetworkAsync(context) is { } external)
            router["external_gateway_info"] = new JsonObject { ["network_id"] = external };
        var body = await context.Os.PostAsync($"{OsClient.Neutron}/routers", new JsonObject { ["router"] = router }, context.Aborted);
        return body?["router"].Str("id") ?? throw new Ec2Error(503, "Unavailable", "Networking did not answer a router.");
    }

    /// <summary>The external network floating IPs and VPC gateways use (the first one visible), or null.</summary>
    public static async Task<string?> ExternalNetworkAsync(Ec2Context context)
    {
        var body = await context.Os.GetAsync($"{OsClient.Neutron}/networks?router:external=true", context.Aborted);
        return body.Items("networks").Select(n => n.Str("id")).FirstOrDefault(id => id is not null);
    }

    private static async Task<string> CreateSubnetOnRouterAsync(Ec2Context context, string routerId, string cidr, string name)
    {
        var network = await context.Os.PostAsync($"{OsClient.Neutron}/networks", new JsonObject { ["network"] = new JsonObject { ["name"] = name } }, context.Aborted);
        var networkId = network?["network"].Str("id")!;
        try
        {
            var subnet = await context.Os.PostAsync($"{OsClient.Neutron}/subnets", new JsonObject
            {
                ["subnet"] = new JsonObject { ["network_id"] = networkId, ["cidr"] = cidr, ["ip_version"] = 4, ["name"] = name },
            }, context.Aborted);
            var subnetId = subnet?["subnet"].Str("id")!;
            await context.Os.PutAsync($"{OsClient.Neutron}/routers/{routerId}/add_router_interface", new JsonObject { ["subnet_id"] = subnetId }, context.Aborted);
            return subnetId;
        }
        catch
        {
            await context.Os.DeleteAsync($"{OsClient.Neutron}/networks/{networkId}", CancellationToken.None);
            throw;
        }
    }

    /// <summary>The subnets attached to a router (its interface ports' subnets).</summary>
    public static async Task<List<string>> SubnetsOfRouterAsync(Ec2Context context, string routerId)
    {
        try
        {
            var ports = await context.Os.GetAsync($"{OsClient.Neutron}/ports?device_id={routerId}&device_owner=network:router_interface", context.Aborted);
            return ports.Items("ports").SelectMany(p => p.Items("fixed_ips")).Select(ip => ip.Str("subnet_id")).OfType<string>().Distinct().ToList();
        }
        catch (OsFault fault) when (fault.Status == 404)
        {
            return [];
        }
    }

    public static async Task<byte[]> CreateVpcAsync(Ec2Context context)
    {
        var cidr = Cidr(context.Request.Require("CidrBlock"), 16, 28);
        var vpcId = Ec2IdStore.NewId(Ec2Kind.Vpc);
        var routerId = await CreateRouterAsync(context, vpcId, withGateway: false);
        await context.Ids.BindAsync(Ec2Kind.Vpc, vpcId, routerId, context.Aborted);
        await context.Services.Vpcs.AddAsync(routerId, context.ProjectId, cidr, false, context.Aborted);
        await ApplyTagSpecificationsAsync(context, "vpc", [vpcId]);
        using var xml = context.Response();
        xml.Start("vpc");
        WriteVpc(xml, vpcId, cidr, false, await context.Tags.ForAsync(context.ProjectId, [vpcId], context.Aborted));
        xml.End();
        return xml.ToBytes();
    }

    public static async Task<byte[]> DeleteVpcAsync(Ec2Context context)
    {
        var vpcId = context.Request.Require("VpcId");
        var routerId = await context.Ids.OsIdAsync(Ec2Kind.Vpc, vpcId, context.Aborted);
        if (await context.Services.Vpcs.FindAsync(routerId, context.Aborted) is not { } vpc || vpc.ProjectId != context.ProjectId)
            throw Ec2Error.NotFound(Ec2Kind.Vpc.NotFoundCode, vpcId);
        if ((await SubnetsOfRouterAsync(context, routerId)).Count > 0
            || await context.Services.Gateways.AttachedToAsync(routerId, context.Aborted) is not null
            || (await context.Services.RouteTables.OfRouterAsync(routerId, context.Aborted)).Any(t => !t.IsMain))
            throw new Ec2Error(400, "DependencyViolation", $"The vpc '{vpcId}' has dependencies and cannot be deleted.");
        try
        {
            await context.Os.DeleteAsync($"{OsClient.Neutron}/routers/{routerId}", context.Aborted);
        }
        catch (OsFault fault) when (fault.Status == 404)
        {
        }
        await context.Services.Vpcs.RemoveAsync(routerId, context.Aborted);
        foreach (var table in await context.Services.RouteTables.OfRouterAsync(routerId, context.Aborted))
        {
            await context.Services.RouteTables.RemoveAsync(table.Id, evenMain: true, context.Aborted);
            await context.Ids.ForgetAsync(Ec2Kind.RouteTable, table.Id, context.Aborted);
        }
        await context.Ids.ForgetAsync(Ec2Kind.Vpc, routerId, context.Aborted);
        await context.Tags.DeleteAsync(context.ProjectId, [vpcId], [], context.Aborted);
        return True(context);
    }

    public static async Task<byte[]> DescribeVpcsAsync(Ec2Context context)
    {
        var ids = context.Request.List("VpcId");
        var filters = context.Request.Filters();
        TagFilters.Check(filters, "vpc-id", "cidr", "cidr-block", "is-default", "state", "owner-id");
        if (ids.Count == 0)
            await DefaultAsync(context);
        var vpcs = await context.Services.Vpcs.ListAsync(context.ProjectId, context.Aborted);
        var vpcIds = await context.Ids.Ec2IdsAsync(Ec2Kind.Vpc, vpcs.Select(v => v.RouterId).ToList(), context.Aborted);
        Ec2Kind.Vpc.RequireKnown(ids, vpcIds);
        var tags = await context.Tags.ForAsync(context.ProjectId, vpcIds.Values, context.Aborted);
        using var xml = context.Response();
        xml.Start("vpcSet");
        foreach (var vpc in vpcs)
        {
            var vpcId = vpcIds[vpc.RouterId];
            if (ids.Count > 0 && !ids.Contains(vpcId))
                continue;
            if (!TagFilters.Passes(filters, tags.GetValueOrDefault(vpcId), name => name switch
                {
                    "vpc-id" => [vpcId],
                    "cidr" or "cidr-block" => [vpc.Cidr],
                    "is-default" => [vpc.IsDefault ? "true" : "false"],
                    "state" => ["available"],
                    _ => [context.ProjectId],
                }))
                continue;
            xml.Start("item");
            WriteVpc(xml, vpcId, vpc.Cidr, vpc.IsDefault, tags, context.ProjectId);
            xml.End();
        }
        xml.End();
        return xml.ToBytes();
    }

    private static void WriteVpc(Ec2Xml xml, string vpcId, string cidr, bool isDefault, Dictionary<string, List<KeyValuePair<string, string>>> tags, string? owner = null) =>
        xml.Element("vpcId", vpcId).Element("ownerId", owner).Element("state", "available").Element("cidrBlock", cidr)
            .Start("cidrBlockAssociationSet").Start("item").Element("cidrBlock", cidr).Start("cidrBlockState").Element("state", "associated").End().End().End()
            .Element("dhcpOptionsId", "default").Element("instanceTenancy", "default").Element("isDefault", isDefault)
            .Tags(tags.GetValueOrDefault(vpcId));

    public static async Task<byte[]> CreateSubnetAsync(Ec2Context context)
    {
        var vpcId = context.Request.Require("VpcId");
        var cidr = Cidr(context.Request.Require("CidrBlock"), 16, 28);
        var routerId = await context.Ids.OsIdAsync(Ec2Kind.Vpc, vpcId, context.Aborted);
        if (await context.Services.Vpcs.FindAsync(routerId, context.Aborted) is not { } vpc || vpc.ProjectId != context.ProjectId)
            throw Ec2Error.NotFound(Ec2Kind.Vpc.NotFoundCode, vpcId);
        if (!Within(cidr, vpc.Cidr))
            throw new Ec2Error(400, "InvalidSubnet.Range", $"The CIDR '{cidr}' is invalid for the VPC ({vpc.Cidr}).");
        var name = Ec2IdStore.NewId(Ec2Kind.Subnet);
        string subnetId;
        try
        {
            subnetId = await CreateSubnetOnRouterAsync(context, routerId, cidr, name);
        }
        catch (OsFault fault) when (fault.Status is 400 or 409)
        {
            throw new Ec2Error(400, "InvalidSubnet.Conflict", $"The CIDR '{cidr}' conflicts with another subnet: {fault.Message}");
        }
        await context.Ids.BindAsync(Ec2Kind.Subnet, name, subnetId, context.Aborted);
        await ApplyTagSpecificationsAsync(context, "subnet", [name]);
        using var xml = context.Response();
        xml.Start("subnet");
        WriteSubnet(xml, name, vpcId, cidr, false, await context.Tags.ForAsync(context.ProjectId, [name], context.Aborted));
        xml.End();
        return xml.ToBytes();
    }

    public static async Task<byte[]> DeleteSubnetAsync(Ec2Context context)
    {
        var id = context.Request.Require("SubnetId");
        var subnetId = await context.Ids.OsIdAsync(Ec2Kind.Subnet, id, context.Aborted);
        JsonNode subnet;
        try
        {
            subnet = (await context.Os.GetAsync($"{OsClient.Neutron}/subnets/{subnetId}", context.Aborted))["subnet"]!;
        }
        catch (OsFault fault) when (fault.Status == 404)
        {
            throw Ec2Error.NotFound(Ec2Kind.Subnet.NotFoundCode, id);
        }
        var networkId = subnet.Str("network_id")!;
        var ports = await context.Os.GetAsync($"{OsClient.Neutron}/ports?network_id={networkId}", context.Aborted);
        if (ports.Items("ports").Any(p => !(p.Str("device_owner") ?? "").StartsWith("network:", StringComparison.Ordinal)))
            throw new Ec2Error(400, "DependencyViolation", $"The subnet '{id}' has dependencies and cannot be deleted.");
        foreach (var port in ports.Items("ports").Where(p => p.Str("device_owner") == "network:router_interface"))
            await context.Os.PutAsync($"{OsClient.Neutron}/routers/{port.Str("device_id")}/remove_router_interface", new JsonObject { ["subnet_id"] = subnetId }, context.Aborted);
        await context.Os.DeleteAsync($"{OsClient.Neutron}/networks/{networkId}", context.Aborted);
        await context.Services.RouteTables.DisassociateAsync(subnetId, context.Aborted);
        await context.Ids.ForgetAsync(Ec2Kind.Subnet, subnetId, context.Aborted);
        await context.Tags.DeleteAsync(context.ProjectId, [id], [], context.Aborted);
        return True(context);
    }

    public static async Task<byte[]> DescribeSubnetsAsync(Ec2Context context)
    {
        var ids = context.Request.List("SubnetId");
        var filters = context.Request.Filters();
        TagFilters.Check(filters, "subnet-id", "vpc-id", "cidr", "cidr-block", "cidrBlock", "state", "availability-zone", "default-for-az");
        if (ids.Count == 0)
            await DefaultAsync(context);
        var vpcs = await context.Services.Vpcs.ListAsync(context.ProjectId, context.Aborted);
        var vpcIds = await context.Ids.Ec2IdsAsync(Ec2Kind.Vpc, vpcs.Select(v => v.RouterId).ToList(), context.Aborted);
        var network = await NetworkView.LoadAsync(context, withFloating: false);
        var subnets = (await context.Os.GetAsync($"{OsClient.Neutron}/subnets?project_id={context.ProjectId}", context.Aborted)).Items("subnets")
            .Where(s => network.RouterOfSubnet.TryGetValue(s.Str("id") ?? "", out var router) && vpcIds.ContainsKey(router)).ToList();
        var subnetIds = await context.Ids.Ec2IdsAsync(Ec2Kind.Subnet, subnets.Select(s => s.Str("id")!).ToList(), context.Aborted);
        Ec2Kind.Subnet.RequireKnown(ids, subnetIds);
        var tags = await context.Tags.ForAsync(context.ProjectId, subnetIds.Values, context.Aborted);
        using var xml = context.Response();
        xml.Start("subnetSet");
        foreach (var subnet in subnets)
        {
            var id = subnetIds[subnet.Str("id")!];
            var router = network.RouterOfSubnet[subnet.Str("id")!];
            var vpcId = vpcIds[router];
            var isDefault = vpcs.First(v => v.RouterId == router).IsDefault;
            var cidr = subnet.Str("cidr") ?? "";
            if (ids.Count > 0 && !ids.Contains(id))
                continue;
            if (!TagFilters.Passes(filters, tags.GetValueOrDefault(id), name => name switch
                {
                    "subnet-id" => [id],
                    "vpc-id" => [vpcId],
                    "cidr" or "cidr-block" or "cidrBlock" => [cidr],
                    "availability-zone" => ["nova"],
                    "default-for-az" => [isDefault ? "true" : "false"],
                    _ => ["available"],
                }))
                continue;
            xml.Start("item");
            WriteSubnet(xml, id, vpcId, cidr, isDefault, tags);
            xml.End();
        }
        xml.End();
        return xml.ToBytes();
    }

    private static void WriteSubnet(Ec2Xml xml, string id, string vpcId, string cidr, bool isDefault, Dictionary<string, List<KeyValuePair<string, string>>> tags)
    {
        var prefix = int.Parse(cidr[(cidr.IndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        xml.Element("subnetId", id).Element("state", "available").Element("vpcId", vpcId).Element("cidrBlock", cidr)
            .Element("availableIpAddressCount", Math.Max(0, (1L << (32 - prefix)) - 5))
            .Element("availabilityZone", "nova").Element("defaultForAz", isDefault).Element("mapPublicIpOnLaunch", false)
            .Tags(tags.GetValueOrDefault(id));
    }

    public static async Task<byte[]> DescribeNetworkInterfacesAsync(Ec2Context context)
    {
        var ids = context.Request.List("NetworkInterfaceId");
        var filters = context.Request.Filters();
        TagFilters.Check(filters, "network-interface-id", "subnet-id", "vpc-id", "private-ip-address", "attachment.instance-id", "status", "mac-address", "group-id");
        var network = await NetworkView.LoadAsync(context);
        var instanceIds = await context.Ids.Ec2IdsAsync(Ec2Kind.Instance,
            network.PortsByDevice.Where(p => p.Value.Any(x => (x.DeviceOwner ?? "").StartsWith("compute:", StringComparison.Ordinal))).Select(p => p.Key).ToList(), context.Aborted);
        var tags = await context.Tags.ForAsync(context.ProjectId, network.PortIds.Values, context.Aborted);
        using var xml = context.Response();
        xml.Start("networkInterfaceSet");
        foreach (var port in network.PortsByDevice.Values.SelectMany(p => p))
        {
            if (!network.PortIds.TryGetValue(port.Id, out var eni) || (ids.Count > 0 && !ids.Contains(eni)))
                continue;
            var ip = port.Ips.Count > 0 ? port.Ips[0] : null;
            var subnet = ip?.SubnetId;
            var subnetId = subnet is null ? null : network.SubnetIds.GetValueOrDefault(subnet);
            var vpcId = network.VpcOfSubnet(subnet);
            var instance = instanceIds.GetValueOrDefault(port.DeviceId ?? "");
            var groups = port.Groups.Where(network.GroupIds.ContainsKey).ToList();
            if (!TagFilters.Passes(filters, tags.GetValueOrDefault(eni), name => name switch
                {
                    "network-interface-id" => [eni],
                    "subnet-id" => [subnetId],
                    "vpc-id" => [vpcId],
                    "private-ip-address" => [ip?.IpAddress],
                    "attachment.instance-id" => [instance],
                    "status" => [instance is null ? "available" : "in-use"],
                    "mac-address" => [port.MacAddress],
                    _ => groups.Select(g => (string?)network.GroupIds[g]),
                }))
                continue;
            xml.Start("item").Element("networkInterfaceId", eni).Element("subnetId", subnetId).Element("vpcId", vpcId).Element("availabilityZone", "nova")
                .Element("description", port.Name ?? "").Element("ownerId", context.ProjectId).Element("requesterManaged", false)
                .Element("status", instance is null ? "available" : "in-use").Element("macAddress", port.MacAddress)
                .Element("privateIpAddress", ip?.IpAddress).Element("sourceDestCheck", true).Start("groupSet");
            foreach (var group in groups)
                xml.Start("item").Element("groupId", network.GroupIds[group]).Element("groupName", network.GroupNames[group]).End();
            xml.End();
            if (instance is not null)
                xml.Start("attachment").Element("attachmentId", "eni-attach-" + eni[4..]).Element("instanceId", instance).Element("instanceOwnerId", context.ProjectId)
                    .Element("deviceIndex", 0).Element("status", "attached").Element("deleteOnTermination", true).End();
            if (network.FloatingByPort.TryGetValue(port.Id, out var floating))
                xml.Start("association").Element("publicIp", floating.FloatingIpAddress).Element("ipOwnerId", context.ProjectId).End();
            xml.Tags(tags.GetValueOrDefault(eni)).Element("interfaceType", "interface").End();
        }
        xml.End();
        return xml.ToBytes();
    }

    /// <summary>Tags of <c>TagSpecification.n</c> for <paramref name="resourceType"/>, put on the new resources.</summary>
    public static async Task ApplyTagSpecificationsAsync(Ec2Context context, string resourceType, IReadOnlyList<string> resourceIds)
    {
        var tags = TagSpecifications(context.Request, resourceType);
        if (tags.Count > 0)
            await context.Tags.SetAsync(context.ProjectId, resourceIds, tags, context.Aborted);
    }

    public static List<KeyValuePair<string, string>> TagSpecifications(Ec2Request request, string resourceType)
    {
        var tags = new List<KeyValuePair<string, string>>();
        foreach (var index in request.Indexes("TagSpecification"))
        {
            if (request.Get($"TagSpecification.{index}.ResourceType") == resourceType)
                tags.AddRange(request.Tags($"TagSpecification.{index}.Tag"));
        }
        return tags;
    }

    public static string Cidr(string text, int shortest, int longest)
    {
        var slash = text.IndexOf('/');
        if (slash < 0 || !IPAddress.TryParse(text[..slash], out var address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || !int.TryParse(text[(slash + 1)..], out var prefix) || prefix < shortest || prefix > longest)
            throw Ec2Error.InvalidParameterValue($"Value ({text}) for parameter cidrBlock is invalid. This is not a valid CIDR block (/{shortest} to /{longest}).");
        return text;
    }

    private static bool Within(string inner, string outer)
    {
        static (uint Network, int Prefix) Parse(string cidr)
        {
            var slash = cidr.IndexOf('/');
            var bytes = IPAddress.Parse(cidr[..slash]).GetAddressBytes();
            var prefix = int.Parse(cidr[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            var value = (uint)bytes[0] << 24 | (uint)bytes[1] << 16 | (uint)bytes[2] << 8 | bytes[3];
            return (prefix == 0 ? 0 : value & (uint.MaxValue << (32 - prefix)), prefix);
        }
        var (innerNet, innerPrefix) = Parse(inner);
        var (outerNet, outerPrefix) = Parse(outer);
        return innerPrefix >= outerPrefix && (outerPrefix == 0 || (innerNet & (uint.MaxValue << (32 - outerPrefix))) == outerNet);
    }

    public static byte[] True(Ec2Context context)
    {
        using var xml = context.Response();
        xml.Element("return", true);
        return xml.ToBytes();
    }
}
