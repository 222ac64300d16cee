using CloudBox.Core.Api;
using CloudBox.Core.Configuration;
using CloudBox.Core.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Core.Modules;

/// <summary>
/// One OpenStack service hosted in the CloudBox process. Program.cs lists the modules;
/// the host asks each for its catalog entry, migrations, services and endpoints.
/// </summary>
public interface ICloudModule
{
    /// <summary>Short lower-case name; also the prefix of the module's tables (<c>identity_</c>).</summary>
    string Name { get; }

    /// <summary>How the service appears in the Keystone catalog and where its API lives.</summary>
    ServiceCatalogEntry Catalog { get; }

    /// <summary>The fault body this service answers errors with.</summary>
    IFaultFormat FaultFormat { get; }

    /// <summary>Ordered, idempotent schema steps for the tables this module owns.</summary>
    IReadOnlyList<Migration> Migrations { get; }

    /// <summary>Default policy rules (oslo.policy syntax) this module enforces.</summary>
    IReadOnlyDictionary<string, string> DefaultPolicies { get; }

    void ConfigureServices(IServiceCollection services, CloudBoxOptions options);

    /// <summary>Maps the module's HTTP API; <paramref name="routes"/> is already scoped to <see cref="ServiceCatalogEntry.PathPrefix"/>.</summary>
    void MapEndpoints(IEndpointRouteBuilder routes);

    /// <summary>Further services the module publishes in the catalog, with their base URLs (e.g. S3 on its own port).</summary>
    IReadOnlyList<(ServiceCatalogEntry Entry, string BaseUrl)> ExtraCatalogEntries(CloudBoxOptions options) => [];

    /// <summary>Further URLs Kestrel must listen on for this module.</summary>
    IReadOnlyList<string> ExtraListenUrls(CloudBoxOptions options) => [];

    /// <summary>Maps endpoints outside the module's path prefix (e.g. S3 at the root of its own port).</summary>
    void MapRootEndpoints(IEndpointRouteBuilder root)
    {
    }

    /// <summary>Adds middleware ahead of routing and token validation (e.g. the dashboard's session cookie to token step).</summary>
    void ConfigureMiddleware(IApplicationBuilder app)
    {
    }
}
