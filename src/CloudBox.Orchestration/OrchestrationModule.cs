using CloudBox.Core.Api;
using CloudBox.Core.Configuration;
using CloudBox.Core.Data;
using CloudBox.Core.Modules;
using CloudBox.Orchestration.Api;
using CloudBox.Orchestration.Data;
using CloudBox.Orchestration.Engine;
using CloudBox.Orchestration.Resources;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CloudBox.Orchestration;

/// <summary>
/// Heat v1: HOT templates parsed and resolved, stacks converged by a crash-safe graph engine whose
/// resources act through the other modules' public APIs in the stack owner's name.
/// </summary>
public sealed class OrchestrationModule : ICloudModule
{
    public string Name => "orchestration";

    public ServiceCatalogEntry Catalog { get; } = new("orchestration", "heat", "Orchestration (Heat v1)", "/orchestration", "/v1/$(project_id)s");

    public IFaultFormat FaultFormat => HeatFaultFormat.Instance;

    public IReadOnlyList<Migration> Migrations => OrchestrationSchema.Migrations;

    public IReadOnlyDictionary<string, string> DefaultPolicies { get; } = new Dictionary<string, string>();

    public void ConfigureServices(IServiceCollection services, CloudBoxOptions options)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(new ResourceRegistry(ResourceRegistry.BuiltIn()));
        services.AddSingleton<StackStore>();
        services.AddSingleton<StackEngine>();
        services.AddSingleton<StackWorkSignal>();
        services.AddSingleton<StackValidator>();
        services.AddSingleton<StackService>();
        services.AddSingleton<SnapshotStore>();
        services.AddSingleton<SnapshotService>();
        services.AddSingleton<SoftwareConfigStore>();
        services.AddHostedService<StackWorker>();
    }

    public void MapEndpoints(IEndpointRouteBuilder routes)
    {
        InfoEndpoints.MapRoot(routes);
        SignalEndpoints.MapRoot(routes);
        var v1 = routes.MapGroup("/v1/{projectId}");
        InfoEndpoints.Map(v1);
        StackEndpoints.Map(v1);
        SnapshotEndpoints.Map(v1);
        SoftwareConfigEndpoints.Map(v1);
        SignalEndpoints.Map(v1);
    }
}
