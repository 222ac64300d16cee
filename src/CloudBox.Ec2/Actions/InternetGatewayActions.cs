using CloudBox.Ec2.Api;
using CloudBox.Ec2.Data;
using CloudBox.Ec2.Ids;
using CloudBox.Ec2.OpenStack;

namespace CloudBox.Ec2.Actions;

/// <summary>
/// Internet gateways as ec2-api kept them: a row of the module's own (no OpenStack resource), which,
/// attached to a VPC, sets the VPC router's external gateway to the external network. Attaching also
/// gives the VPC's main route table its 0.0.0.0/0 route to the gateway when it has none that works
/// (on CloudBox the router's gateway is that route); detaching leaves routes to it as blackholes.
/// </summary>
internal static class InternetGatewayActions
{
    public static async Task<byte[]> CreateAsync(Ec2Context context)
    {
        var id = Guid.NewGuid().ToString();
        await context.Services.Gateways.AddAsync(id, context.ProjectId, null, context.Aborted);
        var gatewayId = await context.Ids.Ec2IdAsync(Ec2Kind.InternetGateway, id, context.Aborted);
        await VpcActions.ApplyTagSpecificationsAsync(context, "internet-gateway", [gatewayId]);
        var tags = await context.Tags.ForAsync(context.ProjectId, [gatewayId], context.Aborted);
        using var xml = context.Response();
        xml.Start("internetGateway");
        Write(xml, gatewayId, null, context.ProjectId, tags.GetValueOrDefault(gatewayId));
        xml.End();
        return xml.ToBytes();
    }

    public static async Task<byte[]> AttachAsync(Ec2Context context)
    {
        var gatewayId = context.Request.Require("InternetGatewayId");
        var vpcId = context.Request.Require("VpcId");
        var gateway = await VpcRouting.GatewayAsync(context, gatewayId);
        var vpc = await VpcRouting.VpcAsync(context, vpcId);
        if (gateway.RouterId is not null)
            throw new Ec2Error(400, "Resource.AlreadyAssociated", $"resource {gatewayId} is already attached to network {await VpcIdAsync(context, gateway.RouterId)}");
        var main = await VpcRouting.EnsureMainAsync(context, vpc);
        if (await context.Services.Gateways.AttachedToAsync(vpc.RouterId, context.Aborted) is not null)
            throw Ec2Error.InvalidParameterValue($"Network {vpcId} already has an internet gateway attached");
        var external = await VpcActions.ExternalNetworkAsync(context)
            ?? throw new Ec2Error(400, "InvalidParameterValue", "This cloud has no external network for an internet gateway to reach.");
        if (!await context.Services.Gateways.AttachAsync(gateway.Id, vpc.RouterId, context.Aborted))
            throw new Ec2Error(400, "Resource.AlreadyAssociated", $"resource {gatewayId} or network {vpcId} changed at the same time; try again");
        try
        {
            await VpcRouting.SetRouterGatewayAsync(context, vpc.RouterId, external);
        }
        catch
        {
            await context.Services.Gateways.DetachAsync(gateway.Id, vpc.RouterId, CancellationToken.None);
            throw;
        }
        var routes = (await context.Services.RouteTables.RoutesAsync([main.Id], context.Aborted)).GetValueOrDefault(main.Id) ?? [];
        var everywhere = routes.FirstOrDefault(r => r.Destination == VpcRouting.Everywhere);
        // A 0.0.0.0/0 route to an internet gateway no longer attached is a blackhole: the new gateway takes it over.
        if (everywhere is null || (everywhere.GatewayId is { } old && old != gateway.Id))
            await context.Services.RouteTables.SetRouteAsync(main.Id, VpcRouting.Everywhere, gateway.Id, null, context.Aborted);
        await VpcRouting.SyncSubnetRoutesAsync(context, vpc);
        return VpcActions.True(context);
    }

    public static async Task<byte[]> DetachAsync(Ec2Context context)
    {
        var gatewayId = context.Request.Require("InternetGatewayId");
        var vpcId = context.Request.Require("VpcId");
        var gateway = await VpcRouting.GatewayAsync(context, gatewayId);
        var vpc = await VpcRouting.VpcAsync(context, vpcId);
        if (gateway.RouterId != vpc.RouterId)
            throw new Ec2Error(400, "Gateway.NotAttached", $"resource {gatewayId} is not attached to network {vpcId}");
        try
        {
            await VpcRouting.SetRouterGatewayAsync(context, vpc.RouterId, null);
        }
        catch (OsFault fault) when (fault.Status == 409)
        {
            throw new Ec2Error(400, "DependencyViolation",
                $"Network {vpcId} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.");
        }
        catch (OsFault fault) when (fault.Status == 404)
        {
            // the router is gone: nothing to clear
        }
        await context.Services.Gateways.DetachAsync(gateway.Id, vpc.RouterId, context.Aborted);
        await VpcRouting.SyncSubnetRoutesAsync(context, vpc);
        return VpcActions.True(context);
    }

    public static async Task<byte[]> DeleteAsync(Ec2Context context)
    {
        var gatewayId = context.Request.Require("InternetGatewayId");
        var gateway = await VpcRouting.GatewayAsync(context, gatewayId);
        if (gateway.RouterId is not null || !await context.Services.Gateways.RemoveAsync(gateway.Id, context.Aborted))
            throw new Ec2Error(400, "DependencyViolation", $"The internetGateway '{gatewayId}' has dependencies and cannot be deleted.");
        await context.Ids.ForgetAsync(Ec2Kind.InternetGateway, gateway.Id, context.Aborted);
        await context.Tags.DeleteAsync(context.ProjectId, [gatewayId], [], context.Aborted);
        return VpcActions.True(context);
    }

    public static async Task<byte[]> DescribeAsync(Ec2Context context)
    {
        var ids = context.Request.List("InternetGatewayId");
        var filters = context.Request.Filters();
        TagFilters.Check(filters, "internet-gateway-id", "attachment.state", "attachment.vpc-id", "owner-id");
        await VpcRouting.EnsureAllAsync(context);
        var gateways = await context.Services.Gateways.ListAsync(context.ProjectId, context.Aborted);
        var gatewayIds = await context.Ids.Ec2IdsAsync(Ec2Kind.InternetGateway, gateways.Select(g => g.Id).ToList(), context.Aborted);
        var vpcIds = await context.Ids.Ec2IdsAsync(Ec2Kind.Vpc, gateways.Select(g => g.RouterId).OfType<string>().ToHashSet(), context.Aborted);
        foreach (var id in ids)
        {
            Ec2Kind.InternetGateway.RequireWellFormed(id);
            Ec2Kind.InternetGateway.RequireKnown([id], gatewayIds);
        }
        var tags = await context.Tags.ForAsync(context.ProjectId, gatewayIds.Values, context.Aborted);
        using var xml = context.Response();
        xml.Start("internetGatewaySet");
        foreach (var gateway in gateways)
        {
            var gatewayId = gatewayIds[gateway.Id];
            var vpcId = gateway.RouterId is null ? null : vpcIds.GetValueOrDefault(gateway.RouterId);
            if (ids.Count > 0 && !ids.Contains(gatewayId))
                continue;
            if (!TagFilters.Passes(filters, tags.GetValueOrDefault(gatewayId), name => name switch
                {
                    "internet-gateway-id" => [gatewayId],
                    "attachment.state" => vpcId is null ? [] : ["available"],
                    "attachment.vpc-id" => [vpcId],
                    _ => [context.ProjectId],
                }))
                continue;
            xml.Start("item");
            Write(xml, gatewayId, vpcId, context.ProjectId, tags.GetValueOrDefault(gatewayId));
            xml.End();
        }
        xml.End();
        return xml.ToBytes();
    }

    private static async Task<string> VpcIdAsync(Ec2Context context, string routerId) => await context.Ids.Ec2IdAsync(Ec2Kind.Vpc, routerId, context.Aborted);

    /// <summary>The gateway's fields; its attachment's state is <c>available</c>, as AWS answers (ec2-api noted the same).</summary>
    private static void Write(Ec2Xml xml, string gatewayId, string? vpcId, string ownerId, IReadOnlyList<KeyValuePair<string, string>>? tags)
    {
        xml.Element("internetGatewayId", gatewayId).Element("ownerId", ownerId).Start("attachmentSet");
        if (vpcId is not null)
            xml.Start("item").Element("vpcId", vpcId).Element("state", "available").End();
        xml.End().Tags(tags);
    }

    /// <summary>Used by DeleteVpc: a VPC with an attached gateway cannot go.</summary>
    public static Task<GatewayStore.GatewayRow?> AttachedAsync(Ec2Context context, string routerId) =>
        context.Services.Gateways.AttachedToAsync(routerId, context.Aborted);
}
