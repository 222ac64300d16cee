using CloudBox.Core.Compute;
using CloudBox.Core.Configuration;
using CloudBox.Ec2.Data;
using CloudBox.Ec2.Ids;

namespace CloudBox.Ec2.Api;

/// <summary>What the actions work with besides the OpenStack APIs: the id map, tags, reservations, the clock and settings.</summary>
internal sealed class Ec2Services(Ec2IdStore ids, TagStore tags, ReservationStore reservations, VpcStore vpcs, GatewayStore gateways, RouteTableStore routeTables,
    TimeProvider clock, CloudBoxOptions options, IServerDirectory? servers = null)
{
    /// <summary>Compute's servers in process, injected when Compute runs in this process (else instances are read through Nova's API).</summary>
    public IServerDirectory? Servers { get; } = servers;

    public Ec2IdStore Ids { get; } = ids;
    public TagStore Tags { get; } = tags;
    public ReservationStore Reservations { get; } = reservations;
    public VpcStore Vpcs { get; } = vpcs;
    public GatewayStore Gateways { get; } = gateways;
    public RouteTableStore RouteTables { get; } = routeTables;
    public SemaphoreSlim DefaultVpcLock { get; } = new(1, 1);
    public TimeProvider Clock { get; } = clock;
    public string Region { get; } = options.RegionName;
    public string Endpoint { get; } = options.Ec2PublicUrl;
}
