using CloudBox.Ec2.Api;
using CloudBox.Ec2.Ids;
using CloudBox.Ec2.OpenStack;

namespace CloudBox.Ec2.Actions;

/// <summary>
/// The project's ports, security groups, floating IPs and router interfaces, read once per request
/// (one Neutron call each, straight into typed records) with their EC2 ids, so a page of instances
/// needs no call per instance.
/// </summary>
internal sealed class NetworkView
{
    public Dictionary<string, List<NeutronPort>> PortsByDevice { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> GroupNames { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, NeutronFloatingIp> FloatingByPort { get; } = new(StringComparer.Ordinal);
    /// <summary>Subnet id → router id (the VPC the subnet belongs to).</summary>
    public Dictionary<string, string> RouterOfSubnet { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> SubnetIds { get; private set; } = [];
    public Dictionary<string, string> VpcIds { get; private set; } = [];
    public Dictionary<string, string> GroupIds { get; private set; } = [];
    public Dictionary<string, string> PortIds { get; private set; } = [];

    public static async Task<NetworkView> LoadAsync(Ec2Context context, bool withFloating = true)
    {
        var view = new NetworkView();
        var os = context.Os;
        NeutronPortList ports;
        NeutronGroupList groups;
        NeutronFloatingIpList? floating = null;
        try
        {
            // Three independent reads: in flight together.
            var portsTask = os.GetAsync($"{OsClient.Neutron}/ports?project_id={context.ProjectId}", Ec2JsonContext.Default.NeutronPortList, context.Aborted);
            var groupsTask = os.GetAsync($"{OsClient.Neutron}/security-groups?project_id={context.ProjectId}&fields=id&fields=name",
                Ec2JsonContext.Default.NeutronGroupList, context.Aborted);
            var floatingTask = withFloating
                ? os.GetAsync($"{OsClient.Neutron}/floatingips?project_id={context.ProjectId}", Ec2JsonContext.Default.NeutronFloatingIpList, context.Aborted)
                : Task.FromResult<NeutronFloatingIpList>(new(null));
            await Task.WhenAll(portsTask, groupsTask, floatingTask);
            ports = await portsTask;
            groups = await groupsTask;
            floating = await floatingTask;
        }
        catch (OsFault fault) when (fault.Status == 404)
        {
            return view; // no Networking module: instances without ports
        }
        var portIds = new List<string>();
        foreach (var port in ports.Ports ?? [])
        {
            var device = port.DeviceId ?? "";
            var owner = port.DeviceOwner ?? "";
            if (owner == "network:router_interface")
            {
                foreach (var ip in port.Ips)
                {
                    if (ip.SubnetId is { } subnet)
                        view.RouterOfSubnet[subnet] = device;
                }
                continue;
            }
            if (owner.StartsWith("network:", StringComparison.Ordinal))
                continue;
            if (device.Length > 0)
            {
                if (!view.PortsByDevice.TryGetValue(device, out var list))
                    view.PortsByDevice[device] = list = [];
                list.Add(port);
            }
            if (port.Id.Length > 0)
                portIds.Add(port.Id);
        }
        foreach (var group in groups.SecurityGroups ?? [])
        {
            if (group.Id is { } id)
                view.GroupNames[id] = group.Name ?? "";
        }
        foreach (var ip in floating?.FloatingIps ?? [])
        {
            if (ip.PortId is { } port)
                view.FloatingByPort[port] = ip;
        }
        var subnets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var list in view.PortsByDevice.Values)
        {
            foreach (var port in list)
            {
                foreach (var ip in port.Ips)
                {
                    if (ip.SubnetId is { } subnet)
                        subnets.Add(subnet);
                }
            }
        }
        view.SubnetIds = await context.Ids.Ec2IdsAsync(Ec2Kind.Subnet, subnets, context.Aborted);
        view.VpcIds = await context.Ids.Ec2IdsAsync(Ec2Kind.Vpc, view.RouterOfSubnet.Values.ToHashSet(), context.Aborted);
        view.GroupIds = await context.Ids.Ec2IdsAsync(Ec2Kind.SecurityGroup, view.GroupNames.Keys, context.Aborted);
        view.PortIds = await context.Ids.Ec2IdsAsync(Ec2Kind.NetworkInterface, portIds, context.Aborted);
        return view;
    }

    public IReadOnlyList<NeutronPort> PortsOf(string deviceId) => PortsByDevice.TryGetValue(deviceId, out var list) ? list : [];

    public string? VpcOfSubnet(string? subnetId) =>
        subnetId is not null && RouterOfSubnet.TryGetValue(subnetId, out var router) && VpcIds.TryGetValue(router, out var vpc) ? vpc : null;
}
