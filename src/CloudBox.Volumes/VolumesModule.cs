using CloudBox.Core.Api;
using CloudBox.Core.Configuration;
using CloudBox.Core.Data;
using CloudBox.Core.Modules;
using CloudBox.Core.Volumes;
using CloudBox.Volumes.Api;
using CloudBox.Volumes.Attachments;
using CloudBox.Volumes.Backups;
using CloudBox.Volumes.Data;
using CloudBox.Volumes.Quotas;
using CloudBox.Volumes.Snapshots;
using CloudBox.Volumes.Storage;
using CloudBox.Volumes.Transfers;
using CloudBox.Volumes.Types;
using CloudBox.Volumes.Versions;
using CloudBox.Volumes.Volumes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CloudBox.Volumes;

/// <summary>Cinder v3: thin volumes as sparse files, snapshots, types and quotas, worked by a crash-safe worker.</summary>
public sealed class VolumesModule(VolumesSettings? settings = null) : ICloudModule
{
    private readonly VolumesSettings _settings = settings ?? new VolumesSettings();

    public string Name => "volumes";

    public ServiceCatalogEntry Catalog { get; } = new("volumev3", "cinderv3", "Block Storage (Cinder v3)", "/volume", "/v3/$(project_id)s");

    public IFaultFormat FaultFormat => NamedFaultFormat.Instance;

    public IReadOnlyList<Migration> Migrations => VolumesSchema.Migrations;

    public IReadOnlyDictionary<string, string> DefaultPolicies => VolumesPolicies.Defaults;

    /// <summary>Newer clients look for <c>block-storage</c>; it names the same endpoint.</summary>
    public IReadOnlyList<(ServiceCatalogEntry Entry, string BaseUrl)> ExtraCatalogEntries(CloudBoxOptions options) =>
        [(new ServiceCatalogEntry("block-storage", "cinder", "Block Storage (Cinder v3)", "/volume", "/v3/$(project_id)s"), options.PublicUrl)];

    public void ConfigureServices(IServiceCollection services, CloudBoxOptions options)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(_settings);
        services.AddSingleton(_ => new VolumeFiles(options.DataDirectory, _settings.CapacityGigabytes));
        services.AddSingleton<VolumeStore>();
        services.AddSingleton<SnapshotStore>();
        services.AddSingleton<VolumeTypeStore>();
        services.AddSingleton<QuotaStore>();
        services.AddSingleton<Admission>();
        services.AddSingleton<VolumeWorkSignal>();
        services.AddSingleton<AttachmentStore>();
        services.AddSingleton<BackupStore>();
        services.AddSingleton<BackupDriver>();
        services.AddSingleton<TransferStore>();
        services.AddSingleton<BackupWork>();
        services.AddSingleton<VolumeAttachmentService>();
        services.AddSingleton<IVolumeAttachments>(provider => provider.GetRequiredService<VolumeAttachmentService>());
        services.AddSingleton<IVolumeUsage, VolumeUsageSource>();
        services.AddSingleton<IStartupTask, UploadSettler>();
        services.AddSingleton<IStartupTask, AttachmentSettler>();
        services.AddSingleton<IStartupTask, DefaultTypeBootstrap>();
        services.AddHostedService<VolumeWorker>();
    }

    public void MapEndpoints(IEndpointRouteBuilder routes)
    {
        VersionEndpoints.Map(routes);
        var project = routes.MapGroup("/v3/{projectId}").AddEndpointFilter(VolumeApiVersion.Negotiate);
        VolumeEndpoints.Map(project);
        VolumeActionEndpoints.Map(project);
        VolumeMetadataEndpoints.Map(project);
        SnapshotEndpoints.Map(project);
        SnapshotActionEndpoints.Map(project);
        VolumeTypeEndpoints.Map(project);
        QuotaEndpoints.Map(project);
        AttachmentEndpoints.Map(project);
        BackupEndpoints.Map(project);
        BackupActionEndpoints.Map(project);
        TransferEndpoints.Map(project);
    }
}
