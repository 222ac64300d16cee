using CloudBox.Core.Api;
using CloudBox.Core.Configuration;
using CloudBox.Core.Data;
using CloudBox.Core.Modules;
using CloudBox.Databases.Agent;
using CloudBox.Databases.Api;
using CloudBox.Databases.Backups;
using CloudBox.Databases.Cloud;
using CloudBox.Databases.Configurations;
using CloudBox.Databases.Content;
using CloudBox.Databases.Data;
using CloudBox.Databases.Datastores;
using CloudBox.Databases.Flavors;
using CloudBox.Databases.Guest;
using CloudBox.Databases.Instances;
using CloudBox.Databases.Versions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CloudBox.Databases;

/// <summary>
/// Trove v1.0: database instances built on Compute, Volumes and Networking through their public APIs
/// (in process, with the owner's delegated token), each run by a guest agent that is this binary
/// (<c>cloudbox guest-agent</c>) speaking HTTP to CloudBox with a per-instance secret.
/// </summary>
public sealed class DatabasesModule(DatabasesSettings? settings = null) : ICloudModule
{
    private readonly DatabasesSettings _settings = settings ?? new DatabasesSettings();

    public string Name => "databases";

    public ServiceCatalogEntry Catalog { get; } = new("database", "trove", "Database Service (Trove v1.0)", "/database", "/v1.0/$(project_id)s");

    public IFaultFormat FaultFormat => TroveFaultFormat.Instance;

    public IReadOnlyList<Migration> Migrations => DatabasesSchema.Migrations;

    public IReadOnlyDictionary<string, string> DefaultPolicies => DatabasesPolicies.Defaults;

    /// <summary>The <c>cloudbox guest-agent</c> verb: the agent of one database instance.</summary>
    public static Task<int> RunGuestAgentAsync(string[] arguments, CancellationToken cancellationToken) => GuestAgent.RunAsync(arguments, cancellationToken);

    public void ConfigureServices(IServiceCollection services, CloudBoxOptions options)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(_settings);
        services.AddSingleton<DatastoreStore>();
        services.AddSingleton<InstanceStore>();
        services.AddSingleton<TaskStore>();
        services.AddSingleton<AgentSignals>();
        services.AddSingleton<AgentTasks>();
        services.AddSingleton<UserCloud>();
        services.AddSingleton<InstanceSignal>();
        services.AddSingleton<InstanceService>();
        services.AddSingleton<InstanceDocuments>();
        services.AddSingleton<InstanceBuilder>();
        services.AddSingleton<ConfigurationStore>();
        services.AddSingleton<ConfigurationService>();
        services.AddHostedService<InstanceWorker>();
        services.AddSingleton<IAdminCommand, DatastoreAddCommand>();
        services.AddSingleton<BackupStore>();
        services.AddSingleton<BackupSignal>();
        services.AddSingleton<BackupService>();
        services.AddHostedService<BackupWorker>();
    }

    public void MapEndpoints(IEndpointRouteBuilder routes)
    {
        VersionEndpoints.Map(routes);
        AgentEndpoints.Map(routes);
        var project = routes.MapGroup("/v1.0/{projectId}");
        DatastoreEndpoints.Map(project);
        FlavorEndpoints.Map(project);
        InstanceEndpoints.Map(project);
        DatabaseEndpoints.Map(project);
        UserEndpoints.Map(project);
        RootEndpoints.Map(project);
        BackupEndpoints.Map(project);
        ConfigurationEndpoints.Map(project);
    }
}
