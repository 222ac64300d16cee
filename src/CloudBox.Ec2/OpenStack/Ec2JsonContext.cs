using System.Text.Json.Serialization;

namespace CloudBox.Ec2.OpenStack;

/// <summary>Source-generated JSON for the OpenStack answers the EC2 module reads in bulk, and id lists passed to SQL.</summary>
[JsonSerializable(typeof(NovaServer))]
[JsonSerializable(typeof(NovaServerList))]
[JsonSerializable(typeof(NovaFlavorList))]
[JsonSerializable(typeof(NeutronPortList))]
[JsonSerializable(typeof(NeutronGroupList))]
[JsonSerializable(typeof(NeutronFloatingIpList))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class Ec2JsonContext : JsonSerializerContext;
