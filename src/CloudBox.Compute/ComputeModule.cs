using CloudBox.Compute.Api;
using CloudBox.Compute.Build;
using CloudBox.Compute.Consoles;
using CloudBox.Compute.Data;
using CloudBox.Compute.Drivers;
using CloudBox.Compute.Flavors;
using CloudBox.Compute.Hosts;
using CloudBox.Compute.InstanceActions;
using CloudBox.Compute.Keypairs;
using CloudBox.Compute.Metadata;
using CloudBox.Compute.Networking;
using CloudBox.Compute.Power;
using CloudBox.Compute.Quotas;
using CloudBox.Compute.ServerGroups;
using CloudBox.Compute.Servers;
using CloudBox.Compute.Usage;
using CloudBox.Compute.Versions;
using CloudBox.Compute.Volumes;
using CloudBox.Core.Api;
using CloudBox.Core.Compute;
using CloudBox.Core.Configuration;
using CloudBox.Core.Data;
using CloudBox.Core.Modules;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CloudBox.Compute;

/// <summary>Nova v2.1: flavors, key pairs, quotas, servers and their build pipeline, and the supervision of VMs on this node.</summary>
public sealed class ComputeModule(ComputeSettings? settings = null) : ICloudModule
{
    private readonly ComputeSettings _settings = settings ?? new ComputeSettings();

    public string Name => "compute";

    public ServiceCatalogEntry Catalog { get; } = new("compute", "nova", "Compute Service (Nova v2.1)", "/compute", "/v2.1");

    public IFaultFormat FaultFormat => NamedFaultFormat.Instance;

    public IReadOnlyList<Migration> Migrations => ComputeSchema.Migrations;

    public IReadOnlyDictionary<string, string> DefaultPolicies => ComputePolicies.Defaults;

    public void ConfigureServices(IServiceCollection services, CloudBoxOptions options)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(_settings);
        services.AddSingleton(_ => new InstancePaths(options.DataDirectory));
        services.AddSingleton(_ => new HostResources(_settings, options.DataDirectory));
        services.AddSingleton<FlavorStore>();
        services.AddSingleton<KeypairStore>();
        services.AddSingleton<QuotaStore>();
        services.AddSingleton<ServerStore>();
        services.AddSingleton<InstanceActionStore>();
        services.AddSingleton<ConsoleTokenStore>();
        services.AddSingleton<VmDefinitions>();
        services.AddSingleton<InstanceFiles>();
        services.AddSingleton<Build.DiskBootFiles>();
        services.AddSingleton<ServerDeleter>();
        services.TryAddSingleton<CloudBox.Core.Events.ICloudEvents, CloudBox.Core.Events.CloudEventStream>();
        services.AddSingleton<CloudBox.Core.Compute.IVmStatistics, ServerStatistics>();
        services.AddSingleton<ServerVolumes>();
        services.AddSingleton<VolumeDetachWorker>();
        services.AddSingleton<IStartupTask, VolumeDetachResumer>();
        services.AddSingleton<ServerBodies>();
        services.AddSingleton<ServerGroupStore>();
        services.AddSingleton<GroupPlacement>();
        services.AddSingleton<BuildSignal>();
        services.AddSingleton<IScheduler, ThisNodeScheduler>();
        if (_settings.Driver is { } factory)
        {
            services.AddSingleton(factory);
        }
        else
        {
            services.AddSingleton<IHypervisorDriver, VmmProcessDriver>();
            services.AddSingleton<IStartupTask, SupervisionChoice>();
        }
        services.AddSingleton<SystemdUnitLauncher>();
        services.AddSingleton<DetachedProcessLauncher>();
        services.AddSingleton<VmLaunchers>();
        services.AddSingleton<IStartupTask, DefaultFlavors>();
        services.AddSingleton<IAdminCommand, VmListCommand>();
        services.AddSingleton<ServerNetworks>();
        services.AddSingleton<IStartupTask, OrphanedPortRelease>();
        services.AddSingleton<IStartupTask, InterfaceSettler>();
        services.AddSingleton<IInstanceMetadata, InstanceMetadataService>();
        services.AddSingleton<IServerDirectory, ServerDirectory>();
        services.TryAddSingleton<IEc2InstanceIds>(NullEc2InstanceIds.Instance);
        services.AddHostedService<BuildWorker>();
        services.AddHostedService<PowerStateSync>();
    }

    /// <summary>WebSockets for the serial console proxy.</summary>
    public void ConfigureMiddleware(IApplicationBuilder app) => app.UseWebSockets();

    public void MapEndpoints(IEndpointRouteBuilder routes)
    {
        VersionEndpoints.Map(routes);
        SerialConsoleProxy.Map(routes);
        // Clients put the project id in the URL (…/v2.1/{project_id}/servers) or not; both are served.
        foreach (var prefix in new[] { "/v2.1", "/v2.1/{project_id:length(32)}", "/v2", "/v2/{project_id:length(32)}" })
        {
            var v21 = routes.MapGroup(prefix);
            v21.AddEndpointFilter(Microversions.Filter);
            FlavorEndpoints.Map(v21);
            FlavorExtraSpecEndpoints.Map(v21);
            FlavorAccessEndpoints.Map(v21);
            KeypairEndpoints.Map(v21);
            QuotaEndpoints.Map(v21);
            LimitsEndpoints.Map(v21);
            HostEndpoints.Map(v21);
            ServerCreateEndpoint.Map(v21);
            ServerEndpoints.Map(v21);
            ServerMetadataEndpoints.Map(v21);
            ServerTags.Map(v21);
            InterfaceEndpoints.Map(v21);
            SecurityGroupEndpoints.Map(v21);
            ServerActionEndpoints.Map(v21);
            InstanceActionEndpoints.Map(v21);
            ServerGroupEndpoints.Map(v21);
            SimpleTenantUsageEndpoints.Map(v21);
            VolumeAttachmentEndpoints.Map(v21);
            RemoteConsoleEndpoints.Map(v21);
        }
    }
}
