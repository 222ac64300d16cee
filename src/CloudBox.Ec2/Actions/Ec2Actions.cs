using CloudBox.Ec2.Api;

namespace CloudBox.Ec2.Actions;

/// <summary>The actions this API answers, by name.</summary>
internal static class Ec2Actions
{
    private static readonly Dictionary<string, Func<Ec2Context, Task<byte[]>>> Table = new(StringComparer.Ordinal)
    {
        ["DescribeRegions"] = RegionActions.DescribeRegionsAsync,
        ["DescribeAvailabilityZones"] = RegionActions.DescribeAvailabilityZonesAsync,
        ["DescribeAccountAttributes"] = RegionActions.DescribeAccountAttributesAsync,

        ["CreateKeyPair"] = KeyPairActions.CreateAsync,
        ["ImportKeyPair"] = KeyPairActions.ImportAsync,
        ["DescribeKeyPairs"] = KeyPairActions.DescribeAsync,
        ["DeleteKeyPair"] = KeyPairActions.DeleteAsync,

        ["CreateSecurityGroup"] = SecurityGroupActions.CreateAsync,
        ["DeleteSecurityGroup"] = SecurityGroupActions.DeleteAsync,
        ["DescribeSecurityGroups"] = SecurityGroupActions.DescribeAsync,
        ["AuthorizeSecurityGroupIngress"] = SecurityGroupActions.AuthorizeIngressAsync,
        ["AuthorizeSecurityGroupEgress"] = SecurityGroupActions.AuthorizeEgressAsync,
        ["RevokeSecurityGroupIngress"] = SecurityGroupActions.RevokeIngressAsync,
        ["RevokeSecurityGroupEgress"] = SecurityGroupActions.RevokeEgressAsync,

        ["RunInstances"] = RunInstances.RunAsync,
        ["DescribeInstances"] = InstanceActions.DescribeInstancesAsync,
        ["DescribeInstanceStatus"] = InstanceActions.DescribeInstanceStatusAsync,
        ["TerminateInstances"] = InstanceActions.TerminateInstancesAsync,
        ["StartInstances"] = InstanceActions.StartInstancesAsync,
        ["StopInstances"] = InstanceActions.StopInstancesAsync,
        ["RebootInstances"] = InstanceActions.RebootInstancesAsync,
        ["GetConsoleOutput"] = InstanceActions.GetConsoleOutputAsync,
        ["DescribeInstanceAttribute"] = InstanceAttributes.DescribeAsync,
        ["ModifyInstanceAttribute"] = InstanceAttributes.ModifyAsync,
        ["DescribeInstanceTypes"] = InstanceAttributes.DescribeInstanceTypesAsync,

        ["CreateVolume"] = VolumeActions.CreateVolumeAsync,
        ["DeleteVolume"] = VolumeActions.DeleteVolumeAsync,
        ["DescribeVolumes"] = VolumeActions.DescribeVolumesAsync,
        ["AttachVolume"] = VolumeActions.AttachVolumeAsync,
        ["DetachVolume"] = VolumeActions.DetachVolumeAsync,
        ["DescribeVolumeStatus"] = VolumeActions.DescribeVolumeStatusAsync,
        ["CreateSnapshot"] = VolumeActions.CreateSnapshotAsync,
        ["DeleteSnapshot"] = VolumeActions.DeleteSnapshotAsync,
        ["DescribeSnapshots"] = VolumeActions.DescribeSnapshotsAsync,

        ["AllocateAddress"] = AddressActions.AllocateAsync,
        ["ReleaseAddress"] = AddressActions.ReleaseAsync,
        ["AssociateAddress"] = AddressActions.AssociateAsync,
        ["DisassociateAddress"] = AddressActions.DisassociateAsync,
        ["DescribeAddresses"] = AddressActions.DescribeAsync,

        ["CreateTags"] = TagActions.CreateAsync,
        ["DeleteTags"] = TagActions.DeleteAsync,
        ["DescribeTags"] = TagActions.DescribeAsync,

        ["DescribeImages"] = ImageActions.DescribeImagesAsync,
        ["RegisterImage"] = ImageActions.RegisterImageAsync,
        ["DeregisterImage"] = ImageActions.DeregisterImageAsync,
        ["CreateImage"] = ImageActions.CreateImageAsync,
        ["DescribeImageAttribute"] = ImageActions.DescribeImageAttributeAsync,
        ["ModifyImageAttribute"] = ImageActions.ModifyImageAttributeAsync,

        ["CreateVpc"] = VpcActions.CreateVpcAsync,
        ["DeleteVpc"] = VpcActions.DeleteVpcAsync,
        ["DescribeVpcs"] = VpcActions.DescribeVpcsAsync,
        ["CreateSubnet"] = VpcActions.CreateSubnetAsync,
        ["DeleteSubnet"] = VpcActions.DeleteSubnetAsync,
        ["DescribeSubnets"] = VpcActions.DescribeSubnetsAsync,
        ["DescribeNetworkInterfaces"] = VpcActions.DescribeNetworkInterfacesAsync,

        ["CreateInternetGateway"] = InternetGatewayActions.CreateAsync,
        ["AttachInternetGateway"] = InternetGatewayActions.AttachAsync,
        ["DetachInternetGateway"] = InternetGatewayActions.DetachAsync,
        ["DeleteInternetGateway"] = InternetGatewayActions.DeleteAsync,
        ["DescribeInternetGateways"] = InternetGatewayActions.DescribeAsync,

        ["CreateRouteTable"] = RouteTableActions.CreateAsync,
        ["DeleteRouteTable"] = RouteTableActions.DeleteAsync,
        ["DescribeRouteTables"] = RouteTableActions.DescribeAsync,
        ["CreateRoute"] = RouteTableActions.CreateRouteAsync,
        ["ReplaceRoute"] = RouteTableActions.ReplaceRouteAsync,
        ["DeleteRoute"] = RouteTableActions.DeleteRouteAsync,
        ["AssociateRouteTable"] = RouteTableActions.AssociateAsync,
        ["DisassociateRouteTable"] = RouteTableActions.DisassociateAsync,
        ["ReplaceRouteTableAssociation"] = RouteTableActions.ReplaceAssociationAsync,
    };

    public static Func<Ec2Context, Task<byte[]>>? Find(string action) => Table.GetValueOrDefault(action);

    public static IEnumerable<string> Names => Table.Keys;
}
