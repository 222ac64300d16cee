using CloudBox.Core.Api;
using CloudBox.Core.Compute;
using CloudBox.Core.Events;
using CloudBox.Telemetry.Collection;
using CloudBox.Core.Configuration;
using CloudBox.Core.Data;
using CloudBox.Core.Modules;
using CloudBox.Telemetry.Aggregates;
using CloudBox.Telemetry.Alarms;
using CloudBox.Telemetry.Api;
using CloudBox.Telemetry.Data;
using CloudBox.Telemetry.Indexer;
using CloudBox.Telemetry.Prometheus;
using CloudBox.Telemetry.Storage;
using CloudBox.Telemetry.Usage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CloudBox.Telemetry;

/// <summary>
/// Telemetry: Gnocchi's metric API under <c>/metric</c> over a time-series store pre-aggregated
/// per archive policy, collection of the cloud's resources and usage (Ceilometer's role), Aodh's
/// alarms under <c>/alarming</c>, and Prometheus exposition.
/// </summary>
public sealed class TelemetryModule : ICloudModule
{
    private readonly TelemetrySettings _settings;

    public TelemetryModule()
        : this(new TelemetrySettings())
    {
    }

    internal TelemetryModule(TelemetrySettings settings) => _settings = settings;

    public string Name => "telemetry";

    public ServiceCatalogEntry Catalog { get; } = new("metric", "gnocchi", "Metric Service (Gnocchi v1)", "/metric", "");

    public IFaultFormat FaultFormat => GnocchiFaultFormat.Instance;

    public IReadOnlyList<Migration> Migrations => TelemetrySchema.Migrations;

    public IReadOnlyDictionary<string, string> DefaultPolicies => TelemetryPolicies.Defaults;

    public void ConfigureServices(IServiceCollection services, CloudBoxOptions options)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(_settings);
        services.AddSingleton<ArchivePolicyStore>();
        services.AddSingleton<ArchivePolicyRuleStore>();
        services.AddSingleton<ResourceTypeStore>();
        services.AddSingleton<ResourceStore>();
        services.AddSingleton<MetricStore>();
        services.AddSingleton<ResourceService>();
        services.AddSingleton<MeasureStore>();
        services.AddSingleton<MeasureSignal>();
        services.AddSingleton<MeasureProcessor>();
        services.AddSingleton<MeasureService>();
        services.AddSingleton<IStartupTask, TelemetrySeeding>();
        services.TryAddSingleton<ICloudEvents, CloudEventStream>();
        services.TryAddSingleton<IVmStatistics, NoVmStatistics>();
        services.TryAddSingleton<CloudBox.Core.Volumes.IVolumeUsage, CloudBox.Core.Volumes.NoVolumeUsage>();
        services.TryAddSingleton<CloudBox.Core.Images.IImageUsage, CloudBox.Core.Images.NoImageUsage>();
        services.TryAddSingleton<CloudBox.Core.Objects.IObjectStoreUsage, CloudBox.Core.Objects.NoObjectStoreUsage>();
        services.AddSingleton<CollectorResources>();
        services.AddSingleton<ResourceEventCollector>();
        services.AddSingleton<VmPollster>();
        services.AddHostedService(provider => provider.GetRequiredService<ResourceEventCollector>());
        services.AddHostedService(provider => provider.GetRequiredService<VmPollster>());
        services.AddSingleton<UsagePollster>();
        services.AddHostedService(provider => provider.GetRequiredService<UsagePollster>());
        services.AddSingleton<ExistencePollster>();
        services.AddHostedService(provider => provider.GetRequiredService<ExistencePollster>());
        services.AddSingleton<HostPollster>();
        services.AddHostedService(provider => provider.GetRequiredService<HostPollster>());
        services.AddSingleton<AlarmStore>();
        services.AddSingleton<AlarmNotifier>();
        services.AddSingleton<AlarmService>();
        services.AddSingleton<AlarmEvaluator>();
        services.AddHostedService(provider => provider.GetRequiredService<AlarmNotifier>());
        services.AddHostedService(provider => provider.GetRequiredService<AlarmEvaluator>());
        services.AddSingleton<EventAlarmEvaluator>();
        services.AddHostedService(provider => provider.GetRequiredService<EventAlarmEvaluator>());
        services.AddHostedService(provider => provider.GetRequiredService<MeasureProcessor>());
        services.AddSingleton<LatestMeasureStore>();
        services.AddSingleton<RequestMetrics>();
        services.AddSingleton<PrometheusExporter>();
        services.AddHostedService(provider => provider.GetRequiredService<RequestMetrics>());
        if (Uri.TryCreate(options.MetricsListenUrl, UriKind.Absolute, out var metricsListen) && metricsListen.Port > 0)
            services.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter>(new Core.Api.PortBranch(metricsListen.Port, _ => MetricsListener.ServeAsync));
        services.AddSingleton<UsageStore>();
        services.AddSingleton<UsageService>();
        services.AddSingleton<IAdminCommand, UsageCommand>();
    }

    public IReadOnlyList<(ServiceCatalogEntry Entry, string BaseUrl)> ExtraCatalogEntries(CloudBoxOptions options) =>
        [(new ServiceCatalogEntry("alarming", "aodh", "Alarming Service (Aodh v2)", "/alarming", ""), options.PublicUrl.TrimEnd('/'))];

    public IReadOnlyList<string> ExtraListenUrls(CloudBoxOptions options) => options.MetricsListenUrl.Length == 0 ? [] : [options.MetricsListenUrl];

    public void MapRootEndpoints(IEndpointRouteBuilder root)
    {
        AlarmEndpoints.Map(root);
        PrometheusEndpoint.Map(root);
    }

    public void MapEndpoints(IEndpointRouteBuilder routes)
    {
        VersionEndpoints.Map(routes);
        var v1 = routes.MapGroup("/v1");
        ArchivePolicyEndpoints.Map(v1);
        ArchivePolicyRuleEndpoints.Map(v1);
        ResourceTypeEndpoints.Map(v1);
        ResourceEndpoints.Map(v1);
        MetricEndpoints.Map(v1);
        BatchEndpoints.Map(v1);
        AggregatesEndpoints.Map(v1);
        StatusEndpoints.Map(v1);
        UsageEndpoints.Map(v1);
    }
}
