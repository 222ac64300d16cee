using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Compute;
using CloudBox.Core.Data;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Ec2.Tests;

/// <summary>Key pairs, security groups, instances, volumes, addresses and tags through the EC2 API, checked against the OpenStack APIs.</summary>
public class ResourceTests(DatabaseEngine engine) : Ec2Fixture(engine)
{
    private const string PublicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBoPO1JzQGwZoGRX0qC2ONFD8xaDiUWgx1X9vM1B8vUm test@ec2";

    [Test]
    public async Task ZonesAndAccountAttributes()
    {
        var zones = await Ec2.OkAsync("DescribeAvailabilityZones");
        Assert.That(zones.All("zoneName").Select(z => z.Value), Does.Contain("nova"));
        var attributes = await Ec2.OkAsync("DescribeAccountAttributes", ("AttributeName.1", "max-instances"));
        Assert.That(attributes.First("attributeValue"), Is.EqualTo("10"));
        var types = await Ec2.OkAsync("DescribeInstanceTypes", ("InstanceType.1", "m1.tiny"));
        Assert.That(types.First("instanceType"), Is.EqualTo("m1.tiny"));
    }

    [Test]
    public async Task KeyPairsAreNovasKeyPairs()
    {
        var name = Unique("key");
        var imported = await Ec2.OkAsync("ImportKeyPair", ("KeyName", name), ("PublicKeyMaterial", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(PublicKey))));
        Assert.That(imported.First("keyFingerprint"), Is.Not.Empty);
        var (status, nova, _) = await Cloud.SendAsync(HttpMethod.Get, $"/compute/v2.1/os-keypairs/{name}", UserToken);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(nova!["keypair"]!["public_key"]!.GetValue<string>(), Is.EqualTo(PublicKey));
        await Ec2.FailsAsync("InvalidKeyPair.Duplicate", "ImportKeyPair", ("KeyName", name), ("PublicKeyMaterial", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(PublicKey))));
        var created = await Ec2.OkAsync("CreateKeyPair", ("KeyName", name + "-gen"));
        Assert.That(created.First("keyMaterial"), Does.Contain("PRIVATE KEY"));
        var described = await Ec2.OkAsync("DescribeKeyPairs");
        Assert.That(described.All("keyName").Select(k => k.Value), Is.SupersetOf(new[] { name, name + "-gen" }));
        await Ec2.OkAsync("DeleteKeyPair", ("KeyName", name + "-gen"));
        await Ec2.FailsAsync("InvalidKeyPair.NotFound", "DescribeKeyPairs", ("KeyName.1", name + "-gen"));
    }

    [Test]
    public async Task KeyPairsHaveIdsTagsAndTypes()
    {
        var name = Unique("keyid");
        var imported = await Ec2.OkAsync("ImportKeyPair", ("KeyName", name), ("PublicKeyMaterial", PublicKey),
            ("TagSpecification.1.ResourceType", "key-pair"), ("TagSpecification.1.Tag.1.Key", "team"), ("TagSpecification.1.Tag.1.Value", "blue"));
        var keyPairId = imported.First("keyPairId")!;
        Assert.That(keyPairId, Does.Match("^key-[0-9a-f]{17}$"));
        var created = await Ec2.OkAsync("CreateKeyPair", ("KeyName", name + "-gen"));
        var generatedId = created.First("keyPairId")!;
        Assert.That(generatedId, Does.Match("^key-[0-9a-f]{17}$").And.Not.EqualTo(keyPairId));

        // By id, with its type, tags and (asked for) public key; the same id on every read.
        var byId = await Ec2.OkAsync("DescribeKeyPairs", ("KeyPairId.1", keyPairId), ("IncludePublicKey", "true"));
        Assert.That(byId.All("keyName").Select(k => k.Value), Is.EqualTo(new[] { name }));
        Assert.That(byId.First("keyType"), Is.EqualTo("ed25519"));
        Assert.That(byId.First("publicKey"), Is.EqualTo(PublicKey));
        Assert.That(byId.All("tagSet").Single().Descendants(Ec2Client.Ns + "value").Single().Value, Is.EqualTo("blue"));
        var byTag = await Ec2.OkAsync("DescribeKeyPairs", ("Filter.1.Name", "tag:team"), ("Filter.1.Value.1", "blue"));
        Assert.That(byTag.All("keyPairId").Select(k => k.Value), Is.EqualTo(new[] { keyPairId }));
        var rsa = await Ec2.OkAsync("DescribeKeyPairs", ("Filter.1.Name", "key-type"), ("Filter.1.Value.1", "rsa"), ("KeyName.1", name + "-gen"));
        Assert.That(rsa.All("keyPairId").Select(k => k.Value), Is.EqualTo(new[] { generatedId }));
        Assert.That((await Ec2.OkAsync("DescribeKeyPairs", ("KeyName.1", name))).First("keyPairId"), Is.EqualTo(keyPairId));
        await Ec2.FailsAsync("InvalidParameterValue", "CreateKeyPair", ("KeyName", name + "-ed"), ("KeyType", "ed25519"));

        // Deleted by id: gone from Nova, and the id is not found any more.
        var deleted = await Ec2.OkAsync("DeleteKeyPair", ("KeyPairId", keyPairId));
        Assert.That(deleted.First("keyPairId"), Is.EqualTo(keyPairId));
        var (status, _, _) = await Cloud.SendAsync(HttpMethod.Get, $"/compute/v2.1/os-keypairs/{name}", UserToken);
        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound));
        await Ec2.FailsAsync("InvalidKeyPair.NotFound", "DescribeKeyPairs", ("KeyPairId.1", keyPairId));
        await Ec2.FailsAsync("InvalidKeyPair.NotFound", "DeleteKeyPair", ("KeyPairId", keyPairId));
        await Ec2.OkAsync("DeleteKeyPair", ("KeyName", name + "-gen"));
    }

    [Test]
    public async Task SecurityGroupsAndRulesAreNeutrons()
    {
        var name = Unique("sg");
        var created = await Ec2.OkAsync("CreateSecurityGroup", ("GroupName", name), ("GroupDescription", "web"));
        var groupId = created.First("groupId")!;
        Assert.That(groupId, Does.Match("^sg-[0-9a-f]{17}$"));
        await Ec2.OkAsync("AuthorizeSecurityGroupIngress", ("GroupId", groupId), ("IpPermissions.1.IpProtocol", "tcp"),
            ("IpPermissions.1.FromPort", "22"), ("IpPermissions.1.ToPort", "22"), ("IpPermissions.1.IpRanges.1.CidrIp", "10.0.0.0/8"));
        await Ec2.FailsAsync("InvalidPermission.Duplicate", "AuthorizeSecurityGroupIngress", ("GroupId", groupId), ("IpProtocol", "tcp"),
            ("FromPort", "22"), ("ToPort", "22"), ("CidrIp", "10.0.0.0/8"));
        var described = await Ec2.OkAsync("DescribeSecurityGroups", ("GroupId.1", groupId));
        var permission = described.All("ipPermissions").Single().Elements().Single();
        Assert.That(permission.Element(Ec2Client.Ns + "fromPort")!.Value, Is.EqualTo("22"));
        Assert.That(permission.Descendants(Ec2Client.Ns + "cidrIp").Single().Value, Is.EqualTo("10.0.0.0/8"));
        var (_, groups, _) = await Cloud.SendAsync(HttpMethod.Get, "/network/v2.0/security-groups?name=" + name, UserToken);
        var rules = groups!["security_groups"]![0]!["security_group_rules"]!.AsArray();
        Assert.That(rules.Any(r => r!["port_range_min"]?.GetValue<int>() == 22 && r["remote_ip_prefix"]?.GetValue<string>() == "10.0.0.0/8"));
        var filtered = await Ec2.OkAsync("DescribeSecurityGroups", ("Filter.1.Name", "group-name"), ("Filter.1.Value.1", name));
        Assert.That(filtered.All("groupId").Select(g => g.Value).Distinct(), Is.EqualTo(new[] { groupId }));
        await Ec2.OkAsync("RevokeSecurityGroupIngress", ("GroupId", groupId), ("IpProtocol", "tcp"), ("FromPort", "22"), ("ToPort", "22"), ("CidrIp", "10.0.0.0/8"));
        await Ec2.FailsAsync("InvalidPermission.NotFound", "RevokeSecurityGroupIngress", ("GroupId", groupId), ("IpProtocol", "tcp"), ("FromPort", "22"), ("ToPort", "22"), ("CidrIp", "10.0.0.0/8"));
        await Ec2.OkAsync("DeleteSecurityGroup", ("GroupId", groupId));
        await Ec2.FailsAsync("InvalidGroup.NotFound", "DescribeSecurityGroups", ("GroupId.1", groupId));
    }

    [Test]
    public async Task InstancesRunAreFilteredPagedAndTerminated()
    {
        var ami = await AmiAsync();
        var keyName = Unique("key");
        await Ec2.OkAsync("ImportKeyPair", ("KeyName", keyName), ("PublicKeyMaterial", PublicKey));
        var group = (await Ec2.OkAsync("CreateSecurityGroup", ("GroupName", Unique("sg")), ("GroupDescription", "d"))).First("groupId")!;
        var name = Unique("web");
        var run = await Ec2.OkAsync("RunInstances", ("ImageId", ami), ("InstanceType", "m1.tiny"), ("MinCount", "1"), ("MaxCount", "1"),
            ("KeyName", keyName), ("SecurityGroupId.1", group), ("UserData", Convert.ToBase64String("#!/bin/sh\necho hi\n"u8.ToArray())),
            ("TagSpecification.1.ResourceType", "instance"), ("TagSpecification.1.Tag.1.Key", "Name"), ("TagSpecification.1.Tag.1.Value", name));
        var instanceId = run.First("instanceId")!;
        Assert.That(instanceId, Does.Match("^i-[0-9a-f]{17}$"));
        Assert.That(run.First("reservationId"), Does.Match("^r-[0-9a-f]{17}$"));

        var running = await WaitForStateAsync(instanceId, "running");
        Assert.That(running.First("instanceType"), Is.EqualTo("m1.tiny"));
        Assert.That(running.First("keyName"), Is.EqualTo(keyName));
        Assert.That(running.First("imageId"), Is.EqualTo(ami));
        Assert.That(running.First("subnetId"), Does.StartWith("subnet-"));
        Assert.That(running.First("vpcId"), Does.StartWith("vpc-"));
        Assert.That(running.All("groupId").Select(g => g.Value), Does.Contain(group));
        Assert.That(running.First("privateIpAddress"), Does.StartWith("172.31."));

        var byName = await Ec2.OkAsync("DescribeInstances", ("Filter.1.Name", "tag:Name"), ("Filter.1.Value.1", name),
            ("Filter.2.Name", "instance-state-name"), ("Filter.2.Value.1", "running"));
        Assert.That(byName.All("instanceId").Select(i => i.Value).Distinct(), Is.EqualTo(new[] { instanceId }), "the id is stable across calls");
        var none = await Ec2.OkAsync("DescribeInstances", ("Filter.1.Name", "instance-type"), ("Filter.1.Value.1", "m1.xlarge"));
        Assert.That(none.All("instanceId").Select(i => i.Value), Does.Not.Contain(instanceId));
        await Ec2.FailsAsync("InvalidParameterValue", "DescribeInstances", ("Filter.1.Name", "no-such-filter"), ("Filter.1.Value.1", "x"));

        // The same instance through Nova, named after its Name tag, with its key.
        var (_, servers, _) = await Cloud.SendAsync(HttpMethod.Get, "/compute/v2.1/servers/detail?name=" + name, UserToken);
        var server = servers!["servers"]!.AsArray().Single()!;
        Assert.That(server["key_name"]!.GetValue<string>(), Is.EqualTo(keyName));
        var metadata = Cloud.Services.GetRequiredService<IInstanceMetadata>();
        var answer = await metadata.GetAsync(server["id"]!.GetValue<string>(), "/latest/meta-data/instance-id", CancellationToken.None);
        Assert.That(System.Text.Encoding.UTF8.GetString(answer.Body), Is.EqualTo(instanceId), "the metadata service answers the EC2 id");
        var amiAnswer = await metadata.GetAsync(server["id"]!.GetValue<string>(), "/latest/meta-data/ami-id", CancellationToken.None);
        Assert.That(System.Text.Encoding.UTF8.GetString(amiAnswer.Body), Is.EqualTo(ami));

        var console = await Ec2.OkAsync("GetConsoleOutput", ("InstanceId", instanceId));
        Assert.DoesNotThrow(() => Convert.FromBase64String(console.First("output")!));

        await Ec2.OkAsync("ModifyInstanceAttribute", ("InstanceId", instanceId), ("DisableApiTermination.Value", "true"));
        var locked = await Ec2.OkAsync("DescribeInstanceAttribute", ("InstanceId", instanceId), ("Attribute", "disableApiTermination"));
        Assert.That(locked.All("disableApiTermination").Single().Element(Ec2Client.Ns + "value")!.Value, Is.EqualTo("true"));
        // The attributes the AWS CLI and Terraform read besides: answered, with this cloud's fixed values.
        var apiStop = await Ec2.OkAsync("DescribeInstanceAttribute", ("InstanceId", instanceId), ("Attribute", "disableApiStop"));
        Assert.That(apiStop.All("disableApiStop").Single().Element(Ec2Client.Ns + "value")!.Value, Is.EqualTo("false"));
        var devices = await Ec2.OkAsync("DescribeInstanceAttribute", ("InstanceId", instanceId), ("Attribute", "blockDeviceMapping"));
        Assert.That(devices.All("blockDeviceMapping").Count(), Is.EqualTo(1));
        Assert.That((await Ec2.OkAsync("DescribeInstanceAttribute", ("InstanceId", instanceId), ("Attribute", "enclaveOptions"))).First("enabled"), Is.EqualTo("false"));
        await Ec2.FailsAsync("InvalidParameterValue", "DescribeInstanceAttribute", ("InstanceId", instanceId), ("Attribute", "noSuchAttribute"));
        await Ec2.FailsAsync("OperationNotPermitted", "TerminateInstances", ("InstanceId.1", instanceId));
        await Ec2.OkAsync("ModifyInstanceAttribute", ("InstanceId", instanceId), ("DisableApiTermination.Value", "false"));

        var stop = await Ec2.OkAsync("StopInstances", ("InstanceId.1", instanceId));
        Assert.That(stop.All("previousState").Single().Element(Ec2Client.Ns + "name")!.Value, Is.EqualTo("running"));
        await WaitForStateAsync(instanceId, "stopped");
        await Ec2.OkAsync("StartInstances", ("InstanceId.1", instanceId));
        await WaitForStateAsync(instanceId, "running");
        var terminated = await Ec2.OkAsync("TerminateInstances", ("InstanceId.1", instanceId));
        Assert.That(terminated.All("currentState").Single().Element(Ec2Client.Ns + "name")!.Value, Is.EqualTo("shutting-down"));
        await Ec2.FailsAsync("InvalidInstanceID.NotFound", "DescribeInstances", ("InstanceId.1", "i-0123456789abcdef0"));
        await Ec2.FailsAsync("InvalidInstanceID.Malformed", "DescribeInstances", ("InstanceId.1", "i-nothex"));
    }

    [Test]
    public async Task CountsAreBoundedAndQuotaIsInstanceLimitExceeded()
    {
        var ami = await AmiAsync();
        await Ec2.FailsAsync("InvalidParameterValue", "RunInstances", ("ImageId", ami), ("InstanceType", "m1.tiny"), ("MinCount", "100000"), ("MaxCount", "100000"));
        var (_, before, _) = await Cloud.SendAsync(HttpMethod.Get, "/compute/v2.1/servers", UserToken);
        var answer = await Ec2.FailsAsync("InstanceLimitExceeded", "RunInstances", ("ImageId", ami), ("InstanceType", "m1.tiny"), ("MinCount", "11"), ("MaxCount", "11"));
        Assert.That(answer.Text, Does.Contain("quota"));
        var (_, after, _) = await Cloud.SendAsync(HttpMethod.Get, "/compute/v2.1/servers", UserToken);
        Assert.That(after!["servers"]!.AsArray(), Has.Count.EqualTo(before!["servers"]!.AsArray().Count), "nothing was made");
        await Ec2.FailsAsync("InvalidParameterValue", "RunInstances", ("ImageId", ami), ("InstanceType", "no-such-type"), ("MinCount", "1"), ("MaxCount", "1"));
        await Ec2.FailsAsync("InvalidAMIID.NotFound", "RunInstances", ("ImageId", "ami-0123456789abcdef0"), ("MinCount", "1"), ("MaxCount", "1"));
    }

    [Test]
    public async Task AClientTokenMakesRunInstancesIdempotent()
    {
        var ami = await AmiAsync();
        var token = Guid.NewGuid().ToString();
        var first = await Ec2.OkAsync("RunInstances", ("ImageId", ami), ("InstanceType", "m1.tiny"), ("MinCount", "2"), ("MaxCount", "2"), ("ClientToken", token));
        var again = await Ec2.OkAsync("RunInstances", ("ImageId", ami), ("InstanceType", "m1.tiny"), ("MinCount", "2"), ("MaxCount", "2"), ("ClientToken", token));
        var ids = first.All("instanceId").Select(i => i.Value).ToList();
        Assert.That(ids, Has.Count.EqualTo(2));
        Assert.That(again.All("instanceId").Select(i => i.Value), Is.EquivalentTo(ids));
        Assert.That(again.First("reservationId"), Is.EqualTo(first.First("reservationId")));
        await Ec2.FailsAsync("IdempotentParameterMismatch", "RunInstances", ("ImageId", ami), ("InstanceType", "m1.small"), ("MinCount", "2"), ("MaxCount", "2"), ("ClientToken", token));

        // Paging: two per page.
        var page = await Ec2.OkAsync("DescribeInstances", ("MaxResults", "5"));
        Assert.That(page.All("instanceId").Count(), Is.LessThanOrEqualTo(5));
        await Ec2.OkAsync("TerminateInstances", ("InstanceId.1", ids[0]), ("InstanceId.2", ids[1]));
    }

    [Test]
    public async Task VolumesAttachAndSnapshot()
    {
        var ami = await AmiAsync();
        var instanceId = (await Ec2.OkAsync("RunInstances", ("ImageId", ami), ("InstanceType", "m1.tiny"), ("MinCount", "1"), ("MaxCount", "1"))).First("instanceId")!;
        await WaitForStateAsync(instanceId, "running");
        var volumeName = Unique("data");
        var created = await Ec2.OkAsync("CreateVolume", ("Size", "1"), ("AvailabilityZone", "nova"),
            ("TagSpecification.1.ResourceType", "volume"), ("TagSpecification.1.Tag.1.Key", "Name"), ("TagSpecification.1.Tag.1.Value", volumeName));
        var volumeId = created.First("volumeId")!;
        Assert.That(volumeId, Does.Match("^vol-[0-9a-f]{17}$"));
        await WaitAsync(async () => (await Ec2.OkAsync("DescribeVolumes", ("VolumeId.1", volumeId))).First("status") == "available");
        var (_, cinder, _) = await Cloud.SendAsync(HttpMethod.Get, $"/volume/v3/{ProjectId}/volumes/detail?name={volumeName}", UserToken);
        Assert.That(cinder!["volumes"]!.AsArray(), Has.Count.EqualTo(1), "the volume is Cinder's, with its Name tag as name");

        await Ec2.OkAsync("AttachVolume", ("VolumeId", volumeId), ("InstanceId", instanceId), ("Device", "/dev/vdb"));
        await WaitAsync(async () => (await Ec2.OkAsync("DescribeVolumes", ("VolumeId.1", volumeId))).First("status") == "in-use");
        var attached = await Ec2.OkAsync("DescribeVolumes", ("Filter.1.Name", "attachment.instance-id"), ("Filter.1.Value.1", instanceId));
        Assert.That(attached.All("volumeId").Select(v => v.Value).Distinct(), Is.EqualTo(new[] { volumeId }));
        await Ec2.FailsAsync("VolumeInUse", "DeleteVolume", ("VolumeId", volumeId));
        await Ec2.OkAsync("DetachVolume", ("VolumeId", volumeId));
        await WaitAsync(async () => (await Ec2.OkAsync("DescribeVolumes", ("VolumeId.1", volumeId))).First("status") == "available");

        var snapshotId = (await Ec2.OkAsync("CreateSnapshot", ("VolumeId", volumeId), ("Description", "backup"))).First("snapshotId")!;
        Assert.That(snapshotId, Does.StartWith("snap-"));
        await WaitAsync(async () => (await Ec2.OkAsync("DescribeSnapshots", ("SnapshotId.1", snapshotId))).First("status") == "completed");
        await Ec2.OkAsync("DeleteSnapshot", ("SnapshotId", snapshotId));
        await WaitAsync(async () => (await Ec2.CallAsync("DescribeSnapshots", ("SnapshotId.1", snapshotId))).ErrorCode == "InvalidSnapshot.NotFound");
        await Ec2.OkAsync("DeleteVolume", ("VolumeId", volumeId));
        await Ec2.OkAsync("TerminateInstances", ("InstanceId.1", instanceId));
    }

    [Test]
    public async Task AddressesAreFloatingIps()
    {
        var ami = await AmiAsync();
        var instanceId = (await Ec2.OkAsync("RunInstances", ("ImageId", ami), ("InstanceType", "m1.tiny"), ("MinCount", "1"), ("MaxCount", "1"))).First("instanceId")!;
        await WaitForStateAsync(instanceId, "running");
        var allocated = await Ec2.OkAsync("AllocateAddress", ("Domain", "vpc"));
        var allocationId = allocated.First("allocationId")!;
        var publicIp = allocated.First("publicIp")!;
        Assert.That(publicIp, Does.StartWith("100.64.10."));
        var associated = await Ec2.OkAsync("AssociateAddress", ("AllocationId", allocationId), ("InstanceId", instanceId));
        Assert.That(associated.First("associationId"), Does.StartWith("eipassoc-"));
        var described = await Ec2.OkAsync("DescribeAddresses", ("AllocationId.1", allocationId));
        Assert.That(described.First("instanceId"), Is.EqualTo(instanceId));
        var instance = await Ec2.OkAsync("DescribeInstances", ("InstanceId.1", instanceId));
        Assert.That(instance.First("ipAddress"), Is.EqualTo(publicIp));
        await Ec2.FailsAsync("InvalidIPAddress.InUse", "ReleaseAddress", ("AllocationId", allocationId));
        await Ec2.OkAsync("DisassociateAddress", ("AssociationId", associated.First("associationId")!));
        await Ec2.OkAsync("ReleaseAddress", ("AllocationId", allocationId));
        await Ec2.FailsAsync("InvalidAllocationID.NotFound", "DescribeAddresses", ("AllocationId.1", allocationId));
        await Ec2.OkAsync("TerminateInstances", ("InstanceId.1", instanceId));
    }

    [Test]
    public async Task TagsAreFilteredEverywhere()
    {
        var volumeId = (await Ec2.OkAsync("CreateVolume", ("Size", "1"))).First("volumeId")!;
        var value = Unique("team");
        await Ec2.OkAsync("CreateTags", ("ResourceId.1", volumeId), ("Tag.1.Key", "team"), ("Tag.1.Value", value));
        var tags = await Ec2.OkAsync("DescribeTags", ("Filter.1.Name", "resource-id"), ("Filter.1.Value.1", volumeId));
        Assert.That(tags.First("key"), Is.EqualTo("team"));
        Assert.That(tags.First("resourceType"), Is.EqualTo("volume"));
        var volumes = await Ec2.OkAsync("DescribeVolumes", ("Filter.1.Name", "tag:team"), ("Filter.1.Value.1", value));
        Assert.That(volumes.All("volumeId").Select(v => v.Value).Distinct(), Is.EqualTo(new[] { volumeId }));
        await Ec2.OkAsync("DeleteTags", ("ResourceId.1", volumeId), ("Tag.1.Key", "team"));
        var after = await Ec2.OkAsync("DescribeVolumes", ("Filter.1.Name", "tag:team"), ("Filter.1.Value.1", value));
        Assert.That(after.All("volumeId"), Is.Empty);
        await Ec2.FailsAsync("InvalidVolume.NotFound", "CreateTags", ("ResourceId.1", "vol-0123456789abcdef0"), ("Tag.1.Key", "a"), ("Tag.1.Value", "b"));
        await Ec2.OkAsync("DeleteVolume", ("VolumeId", volumeId));
    }

    [Test]
    public async Task VpcsAndSubnetsAreRoutersAndNetworks()
    {
        var vpcs = await Ec2.OkAsync("DescribeVpcs");
        Assert.That(vpcs.All("isDefault").Any(d => d.Value == "true"), "a default VPC is made on first use");
        var vpcId = (await Ec2.OkAsync("CreateVpc", ("CidrBlock", "10.20.0.0/16"))).First("vpcId")!;
        var subnetId = (await Ec2.OkAsync("CreateSubnet", ("VpcId", vpcId), ("CidrBlock", "10.20.1.0/24"))).First("subnetId")!;
        await Ec2.FailsAsync("InvalidSubnet.Range", "CreateSubnet", ("VpcId", vpcId), ("CidrBlock", "10.30.1.0/24"));
        var subnets = await Ec2.OkAsync("DescribeSubnets", ("Filter.1.Name", "vpc-id"), ("Filter.1.Value.1", vpcId));
        Assert.That(subnets.All("subnetId").Select(s => s.Value), Is.EqualTo(new[] { subnetId }));
        await Ec2.FailsAsync("DependencyViolation", "DeleteVpc", ("VpcId", vpcId));
        await Ec2.OkAsync("DeleteSubnet", ("SubnetId", subnetId));
        await Ec2.OkAsync("DeleteVpc", ("VpcId", vpcId));
        await Ec2.FailsAsync("InvalidVpcID.NotFound", "DescribeVpcs", ("VpcId.1", vpcId));
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
                return;
            await Task.Delay(150);
        }
        Assert.Fail("condition not reached in time");
    }
}
