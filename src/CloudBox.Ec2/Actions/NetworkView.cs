using System.Text.Json.Nodes;
using CloudBox.Ec2.Api;
using CloudBox.Ec2.Ids;

namespace CloudBox.Ec2.Actions;

/// <summary>
/// The project's ports, security groups, floating IPs and router interfaces, read once per request
/// (one Neutron call each) with their EC2 ids, so a page of instances needs no call per instance.
/// </summary>
internal sealed class NetworkView
{
    public Dictionary<string, List<JsonNode>> PortsByDevice { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> GroupNames { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, JsonNode> FloatingByPort { get; } = new(StringComparer.Ordinal);
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
        JsonNode ports, groups;
        JsonNode? floating = null;
        try
        {
            ports = await os.GetAsync($"{OpenStack.OsClient.Neutron}/ports?project_id={context.ProjectId}", context.Aborted);
            groups = await os.GetAsync($"{OpenStack.OsClient.Neutron}/security-groups?project_id={context.ProjectId}", context.Aborted);
            if (withFloating)
                floating = await os.GetAsync($"{OpenStack.OsClient.Neutron}/floatingips?project_id={context.ProjectId}", context.Aborted);
        }
        catch (OpenStack.OsFault fault) when (fault.Status == 404)
        {
            return view; // no Networking module: instances without ports
        }
        var portIds = new List<string>();
        foreach (var port in ports.Items("ports"))
        {
            var device = port.Str("device_id") ?? "";
            var owner = port.Str("device_owner") ?? "";
            if (owner == "network:router_interface")
            {
                foreach (var ip in port.Items("fixed_ips"))
                {
                    if (ip.Str("subnet_id") is { } subnet)
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
            if (port.Str("id") is { } id)
                portIds.Add(id);
        }
        foreach (var group in groups.Items("security_groups"))
        {
            if (group.Str("id") is { } id)
                view.GroupNames[id] = group.Str("name") ?? "";
        }
        foreach (var ip in floating.Items("floatingips"))
        {
            if (ip.Str("port_id") is { } port)
                view.FloatingByPort[port] = ip;
        }
        var subnets = view.PortsByDevice.Values.SelectMany(l => l).SelectMany(p => p.Items("fixed_ips")).Select(ip => ip.Str("subnet_id")).OfType<string>().ToHashSet();
        view.SubnetIds = await context.Ids.Ec2IdsAsync(Ec2Kind.Subnet, subnets, context.Aborted);
        view.VpcIds = await context.Ids.Ec2IdsAsync(Ec2Kind.Vpc, view.RouterOfSubnet.Values.ToHashSet(), context.Aborted);
        view.GroupIds = await context.Ids.Ec2IdsAsync(Ec2Kind.SecurityGroup, view.GroupNames.Keys, context.Aborted);
        view.PortIds = await context.Ids.Ec2IdsAsync(Ec2Kind.NetworkInterface, portIds, context.Aborted);
        return view;
    }

    public IReadOnlyList<JsonNode> PortsOf(string deviceId) => PortsByDevice.TryGetValue(deviceId, out var list) ? list : [];

    public string? VpcOfSubnet(string? subnetId) =>
        subnetId is not null && RouterOfSubnet.TryGetValue(subnetId, out var router) && VpcIds.TryGetValue(router, out var vpc) ? vpc : null;
}
