using CloudBox.Ec2.Api;
using CloudBox.Ec2.OpenStack;

namespace CloudBox.Ec2.Actions;

/// <summary>One instance as EC2 shows it, gathered from its Nova server, ports and the id map.</summary>
internal sealed class InstanceData
{
    public required string OsId { get; init; }
    public required string InstanceId { get; init; }
    public required string ReservationId { get; init; }
    public required long LaunchIndex { get; init; }
    public required string OwnerId { get; init; }
    public string? ImageId { get; init; }
    public required InstanceState State { get; init; }
    public string? KeyName { get; init; }
    public required string InstanceType { get; init; }
    public DateTimeOffset? LaunchTime { get; init; }
    public required string Zone { get; init; }
    public string? PrivateIp { get; init; }
    public string? PublicIp { get; init; }
    public string? SubnetId { get; init; }
    public string? VpcId { get; init; }
    public string? ClientToken { get; init; }
    public bool Locked { get; init; }
    public required List<(string Id, string Name)> Groups { get; init; }
    public required List<(string EniId, NeutronPort Port)> Interfaces { get; init; }
    public required List<(string VolumeId, bool DeleteOnTermination)> Volumes { get; init; }
    public IReadOnlyList<KeyValuePair<string, string>>? Tags { get; init; }

    public static readonly string[] FilterNames =
    [
        "instance-id", "instance-state-name", "instance-state-code", "instance-type", "image-id", "key-name", "private-ip-address", "ip-address",
        "subnet-id", "vpc-id", "availability-zone", "reservation-id", "instance.group-id", "instance.group-name", "group-id", "group-name",
        "client-token", "owner-id", "network-interface.network-interface-id", "block-device-mapping.volume-id",
    ];

    public IEnumerable<string?>? Field(string name) => name switch
    {
        "instance-id" => [InstanceId],
        "instance-state-name" => [State.Name],
        "instance-state-code" => [State.Code.ToString(System.Globalization.CultureInfo.InvariantCulture)],
        "instance-type" => [InstanceType],
        "image-id" => [ImageId],
        "key-name" => [KeyName],
        "private-ip-address" => [PrivateIp],
        "ip-address" => [PublicIp],
        "subnet-id" => [SubnetId],
        "vpc-id" => [VpcId],
        "availability-zone" => [Zone],
        "reservation-id" => [ReservationId],
        "instance.group-id" or "group-id" => Groups.Select(g => (string?)g.Id),
        "instance.group-name" or "group-name" => Groups.Select(g => (string?)g.Name),
        "client-token" => [ClientToken],
        "owner-id" => [OwnerId],
        "network-interface.network-interface-id" => Interfaces.Select(i => (string?)i.EniId),
        "block-device-mapping.volume-id" => Volumes.Select(v => (string?)v.VolumeId),
        _ => null,
    };

    /// <summary>The <c>item</c> of an <c>instancesSet</c>.</summary>
    public void Write(Ec2Xml xml)
    {
        xml.Start("item")
            .Element("instanceId", InstanceId)
            .Element("imageId", ImageId)
            .Start("instanceState").Element("code", State.Code).Element("name", State.Name).End()
            .Element("privateDnsName", PrivateIp is null ? "" : "ip-" + PrivateIp.Replace('.', '-') + ".ec2.internal")
            .Element("dnsName", PublicIp ?? "")
            .Element("reason", "")
            .Element("keyName", KeyName)
            .Element("amiLaunchIndex", LaunchIndex)
            .Empty("productCodes")
            .Element("instanceType", InstanceType)
            .Time("launchTime", LaunchTime)
            .Start("placement").Element("availabilityZone", Zone).Element("groupName", "").Element("tenancy", "default").End()
            .Start("monitoring").Element("state", "disabled").End()
            .Element("subnetId", SubnetId)
            .Element("vpcId", VpcId)
            .Element("privateIpAddress", PrivateIp)
            .Element("ipAddress", PublicIp)
            .Element("sourceDestCheck", true)
            .Start("groupSet");
        foreach (var (id, name) in Groups)
            xml.Start("item").Element("groupId", id).Element("groupName", name).End();
        xml.End()
            .Element("architecture", "x86_64")
            .Element("rootDeviceType", Volumes.Count > 0 && ImageId is null ? "ebs" : "instance-store")
            .Element("rootDeviceName", "/dev/vda")
            .Start("blockDeviceMapping");
        var letter = 'b';
        foreach (var (volumeId, deleteOnTermination) in Volumes)
        {
            xml.Start("item").Element("deviceName", "/dev/vd" + letter++)
                .Start("ebs").Element("volumeId", volumeId).Element("status", "attached").Element("deleteOnTermination", deleteOnTermination).End()
                .End();
        }
        xml.End()
            .Element("virtualizationType", "hvm")
            .Element("clientToken", ClientToken ?? "")
            .Tags(Tags)
            .Element("hypervisor", "xen")
            .Start("networkInterfaceSet");
        var index = 0;
        foreach (var (eniId, port) in Interfaces)
        {
            var ip = port.Ips.Count > 0 ? port.Ips[0] : null;
            xml.Start("item")
                .Element("networkInterfaceId", eniId)
                .Element("subnetId", SubnetId)
                .Element("vpcId", VpcId)
                .Element("description", "")
                .Element("ownerId", OwnerId)
                .Element("status", "in-use")
                .Element("macAddress", port.MacAddress)
                .Element("privateIpAddress", ip?.IpAddress)
                .Element("sourceDestCheck", true)
                .Start("groupSet");
            foreach (var (id, name) in Groups)
                xml.Start("item").Element("groupId", id).Element("groupName", name).End();
            xml.End()
                .Start("attachment").Element("attachmentId", "eni-attach-" + eniId[4..]).Element("deviceIndex", index++).Element("status", "attached")
                .Element("deleteOnTermination", true).End()
                .End();
        }
        xml.End()
            .Element("ebsOptimized", false)
            .Element("enaSupport", false)
            .End();
    }
}
