using System.Text.Json.Serialization;

namespace CloudBox.Ec2.OpenStack;

/// <summary>The fields of a Neutron port that EC2 shows (instances' interfaces, router interfaces), read without a node tree.</summary>
internal sealed record NeutronPort
{
    [JsonPropertyName("id")] public string Id { get; init; } = "";
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("device_id")] public string? DeviceId { get; init; }
    [JsonPropertyName("device_owner")] public string? DeviceOwner { get; init; }
    [JsonPropertyName("mac_address")] public string? MacAddress { get; init; }
    [JsonPropertyName("network_id")] public string? NetworkId { get; init; }
    [JsonPropertyName("fixed_ips")] public List<NeutronFixedIp>? FixedIps { get; init; }
    [JsonPropertyName("security_groups")] public List<string>? SecurityGroups { get; init; }

    public IReadOnlyList<NeutronFixedIp> Ips => FixedIps ?? [];

    public IReadOnlyList<string> Groups => SecurityGroups ?? [];
}

internal sealed record NeutronFixedIp([property: JsonPropertyName("subnet_id")] string? SubnetId, [property: JsonPropertyName("ip_address")] string? IpAddress);

internal sealed record NeutronPortList([property: JsonPropertyName("ports")] List<NeutronPort>? Ports);

/// <summary>A security group's id and name (its rules are not read here).</summary>
internal sealed record NeutronGroup([property: JsonPropertyName("id")] string? Id, [property: JsonPropertyName("name")] string? Name);

internal sealed record NeutronGroupList([property: JsonPropertyName("security_groups")] List<NeutronGroup>? SecurityGroups);

internal sealed record NeutronFloatingIp(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("floating_ip_address")] string? FloatingIpAddress,
    [property: JsonPropertyName("fixed_ip_address")] string? FixedIpAddress,
    [property: JsonPropertyName("port_id")] string? PortId);

internal sealed record NeutronFloatingIpList([property: JsonPropertyName("floatingips")] List<NeutronFloatingIp>? FloatingIps);
