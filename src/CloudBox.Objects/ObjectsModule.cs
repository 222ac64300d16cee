using CloudBox.Core.Api;
using CloudBox.Core.Configuration;
using CloudBox.Core.Data;
using CloudBox.Core.Modules;
using CloudBox.Objects.Data;
using CloudBox.Objects.Maintenance;
using CloudBox.Objects.S3;
using CloudBox.Objects.Storage;
using CloudBox.Objects.Swift;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CloudBox.Objects;

/// <summary>
/// Object storage with two front doors over one namespace: Swift v1 under <c>/object-store</c>
/// and S3 on its own listener, where a bucket is the Swift container of the same project.
/// </summary>
public sealed class ObjectsModule(ObjectsSettings? settings = null) : ICloudModule
{
    private readonly ObjectsSettings _settings = settings ?? new ObjectsSettings();

    public string Name => "objects";

    public ServiceCatalogEntry Catalog { get; } = new("object-store", "swift", "Object Storage (Swift v1)", "/object-store", "/v1/AUTH_$(project_id)s");

    public IFaultFormat FaultFormat => SwiftFaultFormat.Instance;

    public IReadOnlyList<Migration> Migrations => ObjectsSchema.Migrations;

    public IReadOnlyDictionary<string, string> DefaultPolicies => SwiftApi.DefaultPolicies;

    public IReadOnlyList<(ServiceCatalogEntry Entry, string BaseUrl)> ExtraCatalogEntries(CloudBoxOptions options) =>
        [(new ServiceCatalogEntry("s3", "s3", "S3 API", "", ""), options.S3PublicUrl)];

    public IReadOnlyList<string> ExtraListenUrls(CloudBoxOptions options) => [options.S3ListenUrl];

    public void ConfigureServices(IServiceCollection services, CloudBoxOptions options)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(_settings);
        services.AddSingleton(_ => new BlobStore(options.DataDirectory));
        services.AddSingleton<ObjectStore>();
        services.AddSingleton<ObjectReader>();
        services.AddSingleton<Core.Objects.IProjectObjectStore, Modules.ProjectObjectStore>();
        services.AddSingleton<Core.Objects.IObjectStoreUsage, Modules.ObjectStoreUsage>();
        services.AddSingleton<IStartupTask, TemporaryFileCleanup>();
        services.AddSingleton<ObjectExpirer>();
        services.AddSingleton<BlobSweeper>();
        services.AddSingleton<ObjectAuditor>();
        services.AddHostedService(provider => provider.GetRequiredService<ObjectExpirer>());
        services.AddHostedService(provider => provider.GetRequiredService<BlobSweeper>());
        services.AddHostedService(provider => provider.GetRequiredService<ObjectAuditor>());
        SwiftApi.ConfigureServices(services, options);
        S3Api.ConfigureServices(services, options);
    }

    public void MapEndpoints(IEndpointRouteBuilder routes) => SwiftApi.Map(routes);

    public void MapRootEndpoints(IEndpointRouteBuilder root) => S3Api.Map(root);
}
