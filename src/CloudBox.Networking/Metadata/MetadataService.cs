using System.Text.Json.Nodes;
using CloudBox.Core.Compute;
using CloudBox.Networking.DataPlane;
using CloudBox.Networking.Subnets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CloudBox.Networking.Metadata;

/// <summary>
/// One metadata listener per network with a DHCP-enabled IPv4 subnet (Neutron's "isolated
/// metadata": reachable without a router), kept in step with the database by the data plane.
/// Compute's <see cref="IInstanceMetadata"/> is optional: without it every request gets 404.
/// </summary>
public sealed class MetadataService(NetworkSettings settings, IServiceProvider services, ILoggerFactory loggers) : IDisposable
{
    private readonly Dictionary<string, MetadataServer> _servers = [];
    private readonly Lock _gate = new();

    /// <summary>The bridges that hold 169.254.169.254 and get a listener: those of networks with a DHCP-enabled IPv4 subnet.</summary>
    public static HashSet<string> BridgesServed(DesiredState state, IReadOnlyDictionary<string, string> bridgeOfNetwork)
    {
        var bridges = new HashSet<string>();
        foreach (var subnet in state.Subnets.Values)
        {
            if (subnet["enable_dhcp"]?.GetValue<bool>() == true && subnet["ip_version"]?.GetValue<int>() == 4
                && bridgeOfNetwork.TryGetValue(subnet["network_id"]!.GetValue<string>(), out var bridge))
                bridges.Add(bridge);
        }
        return bridges;
    }

    /// <summary>Starts, updates and stops listeners so each served bridge knows exactly its instances' addresses.</summary>
    public void Apply(DesiredState state, IReadOnlyDictionary<string, string> bridgeOfNetwork, HashSet<string> served)
    {
        var wanted = served.ToDictionary(b => b, _ => new Dictionary<uint, string>());
        foreach (var port in state.InstancePorts())
        {
            if (!(port["device_owner"]?.GetValue<string>() ?? "").StartsWith("compute:", StringComparison.Ordinal)
                || port["device_id"]?.GetValue<string>() is not { Length: > 0 } instanceId
                || !bridgeOfNetwork.TryGetValue(port["network_id"]!.GetValue<string>(), out var bridge)
                || !wanted.TryGetValue(bridge, out var instances))
                continue;
            foreach (var fixedIp in (JsonArray)port["fixed_ips"]!)
            {
                if (Ipv4.TryParse(fixedIp!["ip_address"]?.GetValue<string>()) is { } address)
                    instances.TryAdd(address, instanceId);
            }
        }
        lock (_gate)
        {
            foreach (var bridge in _servers.Keys.Where(b => !wanted.ContainsKey(b)).ToList())
            {
                _servers[bridge].Dispose();
                _servers.Remove(bridge);
            }
            foreach (var (bridge, instances) in wanted)
            {
                if (_servers.TryGetValue(bridge, out var server))
                    server.Update(instances);
                else
                    _servers[bridge] = new MetadataServer(bridge, settings.NetworkNamespace, instances, services.GetService<IInstanceMetadata>,
                        loggers.CreateLogger<MetadataServer>());
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var server in _servers.Values)
                server.Dispose();
            _servers.Clear();
        }
    }
}
