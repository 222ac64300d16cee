using CloudBox.Core.Api;
using CloudBox.Core.Configuration;
using CloudBox.Core.Data;
using CloudBox.Core.Modules;
using CloudBox.Networking.Api;
using CloudBox.Networking.Data;
using CloudBox.Networking.DataPlane;
using CloudBox.Networking.FloatingIps;
using CloudBox.Networking.Networks;
using CloudBox.Networking.Ports;
using CloudBox.Networking.Quotas;
using CloudBox.Networking.Routers;
using CloudBox.Networking.SecurityGroups;
using CloudBox.Networking.Subnets;
using CloudBox.Networking.Tags;
using CloudBox.Networking.Versions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CloudBox.Networking;

/// <summary>Neutron v2.0: networks, subnets, ports, security groups, routers and floating IPs, on the Linux kernel's own data plane.</summary>
public sealed class NetworkingModule(NetworkSettings? settings = null) : ICloudModule
{
    private readonly NetworkSettings _settings = settings ?? NetworkSettings.FromEnvironment();

    public string Name => "network";

    public ServiceCatalogEntry Catalog { get; } = new("network", "neutron", "Networking (Neutron v2.0)", "/network", "");

    public IFaultFormat FaultFormat => NeutronFaultFormat.Instance;

    public IReadOnlyList<Migration> Migrations => NetworkSchema.Migrations;

    public IReadOnlyDictionary<string, string> DefaultPolicies => NetworkPolicies.Defaults;

    public void ConfigureServices(IServiceCollection services, CloudBoxOptions options)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(_settings);
        services.AddSingleton<ResourceStore>();
        services.AddSingleton<QuotaStore>();
        services.AddSingleton<IpAllocator>();
        services.AddSingleton<DefaultSecurityGroup>();
        services.AddSingleton<PortWriter>();
        services.AddSingleton<NetworkChanges>();
        services.TryAddSingleton<CloudBox.Core.Events.ICloudEvents, CloudBox.Core.Events.CloudEventStream>();
        services.AddSingleton<NetworkEvents>();
        services.AddSingleton<CloudBox.Core.Events.ICloudResourceInventory, NetworkInventory>();
        services.AddSingleton<CloudBox.Core.Networking.INetworkPorts, ServerPorts>();
        if (_settings.DataPlane)
            DataPlaneServices.Add(services, _settings);
    }

    public void MapEndpoints(IEndpointRouteBuilder routes)
    {
        VersionEndpoints.Map(routes);
        var v2 = routes.MapGroup("/v2.0");
        ExtensionEndpoints.Map(v2);
        NetworkEndpoints.Map(v2);
        SubnetEndpoints.Map(v2);
        PortEndpoints.Map(v2);
        SecurityGroupEndpoints.Map(v2);
        SecurityGroupRuleEndpoints.Map(v2);
        RouterEndpoints.Map(v2);
        FloatingIpEndpoints.Map(v2);
        QuotaEndpoints.Map(v2);
        TagEndpoints.Map(v2);
    }
}
