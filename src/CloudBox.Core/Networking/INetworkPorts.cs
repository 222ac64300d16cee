using CloudBox.Core.Api.Auth;

namespace CloudBox.Core.Networking;

/// <summary>
/// One network interface a server asks for, as Nova's <c>networks</c> entries give it: a network
/// (optionally with a fixed address) or an existing port.
/// </summary>
public sealed record PortRequest(string? NetworkId, string? PortId, string? FixedIp);

/// <summary>
/// A fixed address on a port, with what the guest needs to configure it (network_data.json, DHCP);
/// <paramref name="Ipv6AddressMode"/> is the IPv6 subnet's <c>ipv6_address_mode</c> (slaac, dhcpv6-stateless, dhcpv6-stateful) or null.
/// </summary>
public sealed record PortAddress(
    string Address,
    int Version,
    string SubnetId,
    string Cidr,
    string? Gateway,
    IReadOnlyList<string> DnsNameservers,
    IReadOnlyList<(string Destination, string NextHop)> HostRoutes,
    bool DhcpEnabled,
    string? Ipv6AddressMode = null);

/// <summary>A port bound to a server: what the VMM needs (tap, MAC) and what the server body shows (addresses, the names of its security groups).</summary>
public sealed record ServerPort(
    string PortId,
    string NetworkId,
    string NetworkName,
    string MacAddress,
    string TapName,
    int Mtu,
    IReadOnlyList<PortAddress> FixedIps,
    IReadOnlyList<string> FloatingIps,
    bool CreatedForServer,
    IReadOnlyList<string>? SecurityGroups = null);

/// <summary>A project's security group as Compute's <c>os-security-groups</c> shows it: ingress rules only, as Nova's proxy of Neutron.</summary>
public sealed record ServerSecurityGroup(string Id, string Name, string Description, string ProjectId, IReadOnlyList<ServerSecurityGroupRule> Rules);

/// <summary>An ingress rule: a protocol (null for any), a port range (null for all), and either a CIDR or the name of a remote group.</summary>
public sealed record ServerSecurityGroupRule(string Id, string? Protocol, int? FromPort, int? ToPort, string? Cidr, string? RemoteGroupName);

/// <summary>
/// Ports for servers (implemented by Networking, used by Compute), in process. Errors are
/// <see cref="Api.ApiFault"/>s with the status the Compute API should answer (400 unknown
/// network or port, 409 port in use or no free address, 403 over quota).
/// </summary>
public interface INetworkPorts
{
    /// <summary>
    /// The network namespace (a path such as <c>/run/netns/NAME</c>) in which the data plane keeps the ports' taps,
    /// so a VMM must open its taps there; null when they are in this process's namespace (or there is no data plane).
    /// </summary>
    string? TapNamespace { get; }

    /// <summary>
    /// Creates (or, for requested ports, binds) the server's ports in one transaction, with
    /// <c>device_id</c> = <paramref name="serverId"/> and <c>device_owner</c> <c>compute:&lt;zone&gt;</c>.
    /// An empty <paramref name="requests"/> means Nova's <c>auto</c>: the one network the project
    /// may use (its own, else a shared one), or a 409 when that choice is ambiguous or impossible.
    /// The ports created (not those given) are in <paramref name="securityGroups"/>, names or ids of
    /// the project's groups (400 when one is unknown, 409 when a name is ambiguous); empty means the
    /// project's <c>default</c> group.
    /// </summary>
    Task<IReadOnlyList<ServerPort>> AllocateAsync(string serverId, string availabilityZone, IReadOnlyList<PortRequest> requests,
        IReadOnlyList<string> securityGroups, CallerContext caller, CancellationToken cancellationToken);

    /// <summary>The ports of many servers at once (server lists show addresses), keyed by server id; servers without ports are absent.</summary>
    Task<IReadOnlyDictionary<string, IReadOnlyList<ServerPort>>> ListForServersAsync(IReadOnlyCollection<string> serverIds, CancellationToken cancellationToken);

    /// <summary>Deletes the ports created for the server and unbinds the ones it was given; idempotent.</summary>
    Task ReleaseAsync(string serverId, CancellationToken cancellationToken);

    /// <summary>
    /// Lets one port of the server go (an interface detach): deleted when it was created for the
    /// server, unbound when it was given; false when the server holds no such port.
    /// </summary>
    Task<bool> ReleasePortAsync(string serverId, string portId, CancellationToken cancellationToken);

    /// <summary>
    /// Nova's <c>addSecurityGroup</c>/<c>removeSecurityGroup</c>: puts the project's group (a name or an
    /// id) on every port of the server, or takes it off them. 404 for an unknown group, 409 for an
    /// ambiguous name, 400 when the server has no ports, a port has port security off, or (removing)
    /// no port has the group.
    /// </summary>
    Task ChangeSecurityGroupAsync(string serverId, string projectId, string nameOrId, bool add, CancellationToken cancellationToken);

    /// <summary>The project's security groups, or with <paramref name="serverId"/> only those on that server's ports.</summary>
    Task<IReadOnlyList<ServerSecurityGroup>> SecurityGroupsAsync(string projectId, string? serverId, CancellationToken cancellationToken);

    /// <summary>Marks the server's ports ACTIVE (its VM runs) or DOWN.</summary>
    Task SetActiveAsync(string serverId, bool active, CancellationToken cancellationToken);
}
