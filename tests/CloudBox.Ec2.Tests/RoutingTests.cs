using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Ec2.Tests;

/// <summary>Internet gateways and route tables through the EC2 API, checked against the VPC router and subnets Neutron holds.</summary>
public class RoutingTests(DatabaseEngine engine) : Ec2Fixture(engine)
{
    private static (string, string) P(string name, string value) => (name, value);

    /// <summary>The VPC's router: named after the VPC's id (the default VPC's is <c>default-vpc</c>).</summary>
    private async Task<JsonNode> RouterOfAsync(string name)
    {
        var (status, body, _) = await Cloud.SendAsync(HttpMethod.Get, "/network/v2.0/routers?name=" + name, UserToken);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        return body!["routers"]!.AsArray().Single()!;
    }

    private async Task<JsonArray> HostRoutesAsync(string subnetEc2Id)
    {
        var subnets = await Ec2.OkAsync("DescribeSubnets", P("SubnetId.1", subnetEc2Id));
        var cidr = subnets.First("cidrBlock")!;
        var (_, body, _) = await Cloud.SendAsync(HttpMethod.Get, "/network/v2.0/subnets?cidr=" + cidr, UserToken);
        return body!["subnets"]!.AsArray().Single()!["host_routes"]!.AsArray();
    }

    private async Task<string> ExternalNetworkIdAsync()
    {
        var (_, body, _) = await Cloud.SendAsync(HttpMethod.Get, "/network/v2.0/networks?router:external=true", UserToken);
        return body!["networks"]![0]!["id"]!.GetValue<string>();
    }

    private static IEnumerable<(string Destination, string? Gateway, string? State)> Routes(Ec2Client.Answer answer) =>
        answer.All("routeSet").Single().Elements().Select(r => (r.Element(Ec2Client.Ns + "destinationCidrBlock")!.Value,
            r.Element(Ec2Client.Ns + "gatewayId")?.Value, r.Element(Ec2Client.Ns + "state")?.Value));

    [Test]
    public async Task DefaultVpcHasAnAttachedGatewayAndADefaultRoute()
    {
        var vpcs = await Ec2.OkAsync("DescribeVpcs", P("Filter.1.Name", "is-default"), P("Filter.1.Value.1", "true"));
        var vpcId = vpcs.First("vpcId")!;
        var gateways = await Ec2.OkAsync("DescribeInternetGateways", P("Filter.1.Name", "attachment.vpc-id"), P("Filter.1.Value.1", vpcId));
        var gatewayId = gateways.First("internetGatewayId")!;
        Assert.That(gatewayId, Does.Match("^igw-[0-9a-f]{17}$"));
        Assert.That(gateways.First("state"), Is.EqualTo("available"));
        var tables = await Ec2.OkAsync("DescribeRouteTables", P("Filter.1.Name", "vpc-id"), P("Filter.1.Value.1", vpcId));
        Assert.That(tables.All("routeTableId").Select(t => t.Value).Distinct().Count(), Is.EqualTo(1), "one main table");
        Assert.That(tables.First("main"), Is.EqualTo("true"));
        Assert.That(Routes(tables), Is.EquivalentTo(new[] { ("172.31.0.0/16", (string?)"local", (string?)"active"), ("0.0.0.0/0", gatewayId, "active") }));
        Assert.That((await RouterOfAsync("default-vpc"))["external_gateway_info"]?["network_id"]?.GetValue<string>(), Is.EqualTo(await ExternalNetworkIdAsync()));
    }

    [Test]
    public async Task GatewaysAttachAsTheRoutersExternalGatewayAndDetach()
    {
        var vpcId = (await Ec2.OkAsync("CreateVpc", P("CidrBlock", "10.40.0.0/16"))).First("vpcId")!;
        var name = Unique("igw");
        var created = await Ec2.OkAsync("CreateInternetGateway", P("TagSpecification.1.ResourceType", "internet-gateway"),
            P("TagSpecification.1.Tag.1.Key", "Name"), P("TagSpecification.1.Tag.1.Value", name));
        var gatewayId = created.First("internetGatewayId")!;
        Assert.That(gatewayId, Does.Match("^igw-[0-9a-f]{17}$"));
        Assert.That(created.All("attachmentSet").Single().HasElements, Is.False);
        var byTag = await Ec2.OkAsync("DescribeInternetGateways", P("Filter.1.Name", "tag:Name"), P("Filter.1.Value.1", name));
        Assert.That(byTag.All("internetGatewayId").Select(g => g.Value), Is.EqualTo(new[] { gatewayId }));
        Assert.That((await RouterOfAsync(vpcId))["external_gateway_info"], Is.Null);

        await Ec2.OkAsync("AttachInternetGateway", P("InternetGatewayId", gatewayId), P("VpcId", vpcId));
        Assert.That((await RouterOfAsync(vpcId))["external_gateway_info"]?["network_id"]?.GetValue<string>(), Is.EqualTo(await ExternalNetworkIdAsync()));
        var attached = await Ec2.OkAsync("DescribeInternetGateways", P("Filter.1.Name", "attachment.vpc-id"), P("Filter.1.Value.1", vpcId));
        Assert.That(attached.All("internetGatewayId").Select(g => g.Value), Is.EqualTo(new[] { gatewayId }));
        var tables = await Ec2.OkAsync("DescribeRouteTables", P("Filter.1.Name", "vpc-id"), P("Filter.1.Value.1", vpcId));
        Assert.That(Routes(tables), Is.EquivalentTo(new[] { ("10.40.0.0/16", (string?)"local", (string?)"active"), ("0.0.0.0/0", gatewayId, "active") }));

        await Ec2.FailsAsync("Resource.AlreadyAssociated", "AttachInternetGateway", P("InternetGatewayId", gatewayId), P("VpcId", vpcId));
        var second = (await Ec2.OkAsync("CreateInternetGateway")).First("internetGatewayId")!;
        await Ec2.FailsAsync("InvalidParameterValue", "AttachInternetGateway", P("InternetGatewayId", second), P("VpcId", vpcId));
        await Ec2.FailsAsync("DependencyViolation", "DeleteInternetGateway", P("InternetGatewayId", gatewayId));
        await Ec2.FailsAsync("DependencyViolation", "DeleteVpc", P("VpcId", vpcId));

        await Ec2.OkAsync("DetachInternetGateway", P("InternetGatewayId", gatewayId), P("VpcId", vpcId));
        Assert.That((await RouterOfAsync(vpcId))["external_gateway_info"], Is.Null);
        tables = await Ec2.OkAsync("DescribeRouteTables", P("Filter.1.Name", "vpc-id"), P("Filter.1.Value.1", vpcId));
        Assert.That(Routes(tables), Does.Contain(("0.0.0.0/0", (string?)gatewayId, (string?)"blackhole")));
        await Ec2.FailsAsync("Gateway.NotAttached", "DetachInternetGateway", P("InternetGatewayId", gatewayId), P("VpcId", vpcId));

        // The second gateway takes over the blackholed default route.
        await Ec2.OkAsync("AttachInternetGateway", P("InternetGatewayId", second), P("VpcId", vpcId));
        tables = await Ec2.OkAsync("DescribeRouteTables", P("Filter.1.Name", "vpc-id"), P("Filter.1.Value.1", vpcId));
        Assert.That(Routes(tables), Does.Contain(("0.0.0.0/0", (string?)second, (string?)"active")));
        await Ec2.OkAsync("DetachInternetGateway", P("InternetGatewayId", second), P("VpcId", vpcId));

        await Ec2.OkAsync("DeleteInternetGateway", P("InternetGatewayId", gatewayId));
        await Ec2.OkAsync("DeleteInternetGateway", P("InternetGatewayId", second));
        await Ec2.FailsAsync("InvalidInternetGatewayID.NotFound", "DescribeInternetGateways", P("InternetGatewayId.1", gatewayId));
        await Ec2.FailsAsync("InvalidInternetGatewayID.NotFound", "AttachInternetGateway", P("InternetGatewayId", gatewayId), P("VpcId", vpcId));
        await Ec2.FailsAsync("InvalidInternetGatewayID.Malformed", "DeleteInternetGateway", P("InternetGatewayId", "igw-xyz"));
        await Ec2.FailsAsync("InvalidVpcID.NotFound", "AttachInternetGateway", P("InternetGatewayId", (await Ec2.OkAsync("CreateInternetGateway")).First("internetGatewayId")!),
            P("VpcId", "vpc-0123456789abcdef0"));
        await Ec2.OkAsync("DeleteVpc", P("VpcId", vpcId));
    }

    [Test]
    public async Task RouteTablesRoutesAndAssociationsBecomeSubnetHostRoutes()
    {
        var vpcId = (await Ec2.OkAsync("CreateVpc", P("CidrBlock", "10.50.0.0/16"))).First("vpcId")!;
        var subnetId = (await Ec2.OkAsync("CreateSubnet", P("VpcId", vpcId), P("CidrBlock", "10.50.1.0/24"))).First("subnetId")!;
        var gatewayId = (await Ec2.OkAsync("CreateInternetGateway")).First("internetGatewayId")!;
        await Ec2.OkAsync("AttachInternetGateway", P("InternetGatewayId", gatewayId), P("VpcId", vpcId));
        var mainId = (await Ec2.OkAsync("DescribeRouteTables", P("Filter.1.Name", "association.main"), P("Filter.1.Value.1", "true"),
            P("Filter.2.Name", "vpc-id"), P("Filter.2.Value.1", vpcId))).First("routeTableId")!;
        var mainAssociation = (await Ec2.OkAsync("DescribeRouteTables", P("RouteTableId.1", mainId))).First("routeTableAssociationId")!;

        var created = await Ec2.OkAsync("CreateRouteTable", P("VpcId", vpcId), P("TagSpecification.1.ResourceType", "route-table"),
            P("TagSpecification.1.Tag.1.Key", "tier"), P("TagSpecification.1.Tag.1.Value", "web"));
        var tableId = created.First("routeTableId")!;
        Assert.That(tableId, Does.Match("^rtb-[0-9a-f]{17}$"));
        Assert.That(Routes(created), Is.EqualTo(new[] { ("10.50.0.0/16", (string?)"local", (string?)"active") }));
        Assert.That(created.All("associationSet").Single().HasElements, Is.False);
        var byTag = await Ec2.OkAsync("DescribeRouteTables", P("Filter.1.Name", "tag:tier"), P("Filter.1.Value.1", "web"));
        Assert.That(byTag.All("routeTableId").Select(t => t.Value).Distinct(), Is.EqualTo(new[] { tableId }));

        await Ec2.OkAsync("CreateRoute", P("RouteTableId", tableId), P("DestinationCidrBlock", "8.8.8.0/24"), P("GatewayId", gatewayId));
        await Ec2.OkAsync("CreateRoute", P("RouteTableId", tableId), P("DestinationCidrBlock", "8.8.8.0/24"), P("GatewayId", gatewayId));
        await Ec2.FailsAsync("InvalidParameterValue", "CreateRoute", P("RouteTableId", tableId), P("DestinationCidrBlock", "10.50.5.0/24"), P("GatewayId", gatewayId));
        await Ec2.FailsAsync("MissingParameter", "CreateRoute", P("RouteTableId", tableId), P("DestinationCidrBlock", "9.9.9.0/24"));
        await Ec2.FailsAsync("InvalidParameterCombination", "CreateRoute", P("RouteTableId", tableId), P("DestinationCidrBlock", "9.9.9.0/24"),
            P("GatewayId", gatewayId), P("InstanceId", "i-0123456789abcdef0"));
        await Ec2.FailsAsync("InvalidParameterValue", "CreateRoute", P("RouteTableId", tableId), P("DestinationCidrBlock", "not-a-cidr"), P("GatewayId", gatewayId));
        await Ec2.FailsAsync("InvalidParameterValue", "ReplaceRoute", P("RouteTableId", tableId), P("DestinationCidrBlock", "1.2.3.0/24"), P("GatewayId", gatewayId));
        await Ec2.FailsAsync("InvalidRouteTableID.NotFound", "CreateRoute", P("RouteTableId", "rtb-0123456789abcdef0"), P("DestinationCidrBlock", "9.9.9.0/24"),
            P("GatewayId", gatewayId));

        // Associated, the subnet's host routes follow the table: 8.8.8.0/24 through the subnet's gateway.
        var association = (await Ec2.OkAsync("AssociateRouteTable", P("RouteTableId", tableId), P("SubnetId", subnetId))).First("associationId")!;
        Assert.That(association, Does.Match("^rtbassoc-[0-9a-f]{17}$"));
        Assert.That((await HostRoutesAsync(subnetId)).Select(r => (r!["destination"]!.GetValue<string>(), r["nexthop"]!.GetValue<string>())),
            Is.EqualTo(new[] { ("8.8.8.0/24", "10.50.1.1") }));
        await Ec2.FailsAsync("Resource.AlreadyAssociated", "AssociateRouteTable", P("RouteTableId", tableId), P("SubnetId", subnetId));
        await Ec2.FailsAsync("DependencyViolation", "DeleteRouteTable", P("RouteTableId", tableId));
        var associated = await Ec2.OkAsync("DescribeRouteTables", P("Filter.1.Name", "association.subnet-id"), P("Filter.1.Value.1", subnetId));
        Assert.That(associated.All("routeTableId").Select(t => t.Value).Distinct(), Is.EqualTo(new[] { tableId }));

        // A route to an instance: its interface's address is the next hop.
        var ami = await AmiAsync();
        var instanceId = (await Ec2.OkAsync("RunInstances", P("ImageId", ami), P("InstanceType", "m1.tiny"), P("MinCount", "1"), P("MaxCount", "1"),
            P("SubnetId", subnetId))).First("instanceId")!;
        var running = await WaitForStateAsync(instanceId, "running");
        var address = running.First("privateIpAddress")!;
        var eni = running.First("networkInterfaceId")!;
        await Ec2.OkAsync("CreateRoute", P("RouteTableId", tableId), P("DestinationCidrBlock", "192.168.50.0/24"), P("InstanceId", instanceId));
        await Ec2.FailsAsync("RouteAlreadyExists", "CreateRoute", P("RouteTableId", tableId), P("DestinationCidrBlock", "192.168.50.0/24"), P("GatewayId", gatewayId));
        var described = await Ec2.OkAsync("DescribeRouteTables", P("RouteTableId.1", tableId));
        var instanceRoute = described.All("routeSet").Single().Elements().Single(r => r.Element(Ec2Client.Ns + "destinationCidrBlock")!.Value == "192.168.50.0/24");
        Assert.That(instanceRoute.Element(Ec2Client.Ns + "instanceId")?.Value, Is.EqualTo(instanceId));
        Assert.That(instanceRoute.Element(Ec2Client.Ns + "networkInterfaceId")?.Value, Is.EqualTo(eni));
        Assert.That(instanceRoute.Element(Ec2Client.Ns + "state")?.Value, Is.EqualTo("active"));
        Assert.That((await HostRoutesAsync(subnetId)).Select(r => (r!["destination"]!.GetValue<string>(), r["nexthop"]!.GetValue<string>())),
            Is.EquivalentTo(new[] { ("8.8.8.0/24", "10.50.1.1"), ("192.168.50.0/24", address) }));
        var byInstance = await Ec2.OkAsync("DescribeRouteTables", P("Filter.1.Name", "route.instance-id"), P("Filter.1.Value.1", instanceId));
        Assert.That(byInstance.All("routeTableId").Select(t => t.Value).Distinct(), Is.EqualTo(new[] { tableId }));

        await Ec2.OkAsync("ReplaceRoute", P("RouteTableId", tableId), P("DestinationCidrBlock", "192.168.50.0/24"), P("NetworkInterfaceId", eni));
        await Ec2.FailsAsync("InvalidParameterValue", "DeleteRoute", P("RouteTableId", tableId), P("DestinationCidrBlock", "10.50.0.0/16"));
        await Ec2.FailsAsync("InvalidRoute.NotFound", "DeleteRoute", P("RouteTableId", tableId), P("DestinationCidrBlock", "5.5.5.0/24"));
        await Ec2.OkAsync("DeleteRoute", P("RouteTableId", tableId), P("DestinationCidrBlock", "8.8.8.0/24"));
        Assert.That((await HostRoutesAsync(subnetId)).Select(r => r!["destination"]!.GetValue<string>()), Is.EqualTo(new[] { "192.168.50.0/24" }));

        // Back to the main table (its 0.0.0.0/0 is the router's gateway: no host routes), then the main association moves.
        var replaced = await Ec2.OkAsync("ReplaceRouteTableAssociation", P("AssociationId", association), P("RouteTableId", mainId));
        Assert.That(replaced.First("newAssociationId"), Is.EqualTo(association));
        Assert.That(await HostRoutesAsync(subnetId), Is.Empty);
        await Ec2.OkAsync("DisassociateRouteTable", P("AssociationId", association));
        await Ec2.FailsAsync("InvalidAssociationID.NotFound", "DisassociateRouteTable", P("AssociationId", association));
        await Ec2.FailsAsync("InvalidParameterValue", "DisassociateRouteTable", P("AssociationId", mainAssociation));
        await Ec2.FailsAsync("DependencyViolation", "DeleteRouteTable", P("RouteTableId", mainId));
        await Ec2.OkAsync("ReplaceRouteTableAssociation", P("AssociationId", mainAssociation), P("RouteTableId", tableId));
        var main = await Ec2.OkAsync("DescribeRouteTables", P("Filter.1.Name", "association.main"), P("Filter.1.Value.1", "true"),
            P("Filter.2.Name", "vpc-id"), P("Filter.2.Value.1", vpcId));
        Assert.That(main.All("routeTableId").Select(t => t.Value).Distinct(), Is.EqualTo(new[] { tableId }));
        Assert.That((await HostRoutesAsync(subnetId)).Select(r => r!["destination"]!.GetValue<string>()), Is.EqualTo(new[] { "192.168.50.0/24" }),
            "the subnet follows the new main table");

        await Ec2.OkAsync("DeleteRouteTable", P("RouteTableId", mainId));
        await Ec2.FailsAsync("InvalidRouteTableID.NotFound", "DescribeRouteTables", P("RouteTableId.1", mainId));
        await Ec2.FailsAsync("InvalidRouteTableID.Malformed", "DescribeRouteTables", P("RouteTableId.1", "rtb-nothex"));
        await Ec2.FailsAsync("InvalidAssociationID.NotFound", "DisassociateRouteTable", P("AssociationId", "rtbassoc-0123456789abcdef0"));
        await Ec2.OkAsync("TerminateInstances", P("InstanceId.1", instanceId));
    }
}
