using CloudBox.Core.Api;
using CloudBox.Core.Configuration;
using CloudBox.Core.Data;
using CloudBox.Core.Images;
using CloudBox.Core.Modules;
using CloudBox.Images.Api;
using CloudBox.Images.Data;
using CloudBox.Images.Files;
using CloudBox.Images.Images;
using CloudBox.Images.Import;
using CloudBox.Images.Members;
using CloudBox.Images.Schemas;
using CloudBox.Images.Versions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CloudBox.Images;

/// <summary>Glance v2: image records, their data under the data directory, sharing, and the interoperable import.</summary>
public sealed class ImagesModule(ImagesSettings? settings = null) : ICloudModule
{
    private readonly ImagesSettings _settings = settings ?? new ImagesSettings();

    public string Name => "images";

    public ServiceCatalogEntry Catalog { get; } = new("image", "glance", "Image Service (Glance v2)", "/image", "");

    public IFaultFormat FaultFormat => GlanceFaultFormat.Instance;

    public IReadOnlyList<Migration> Migrations => ImagesSchema.Migrations;

    public IReadOnlyDictionary<string, string> DefaultPolicies => ImagesPolicies.Defaults;

    public void ConfigureServices(IServiceCollection services, CloudBoxOptions options)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(_settings);
        services.AddSingleton(_ => new ImageFileStore(options.DataDirectory));
        services.AddSingleton<ImageStore>();
        services.AddSingleton<MemberStore>();
        services.AddSingleton<TaskStore>();
        services.AddSingleton<ImportSignal>();
        services.AddSingleton(_ => new WebDownloadClient(options));
        services.AddSingleton<IImageSource, ImageSource>();
        services.AddSingleton<IImageUsage, ImageUsageSource>();
        services.AddSingleton<IStartupTask, ImagesRecovery>();
        services.AddHostedService<ImportWorker>();
    }

    public void MapEndpoints(IEndpointRouteBuilder routes)
    {
        VersionEndpoints.Map(routes);
        var v2 = routes.MapGroup("/v2");
        ImageEndpoints.Map(v2);
        ImageDataEndpoints.Map(v2);
        ImageTagEndpoints.Map(v2);
        ImageActionEndpoints.Map(v2);
        MemberEndpoints.Map(v2);
        ImportEndpoints.Map(v2);
        TaskEndpoints.Map(v2);
        SchemaEndpoints.Map(v2);
    }
}
