using CloudBox.Core.Api;
using CloudBox.Core.Configuration;
using CloudBox.Core.Data;
using CloudBox.Core.Modules;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Networking.Tests.DataPlane;

/// <summary>A module as it is, plus services a test registers in place of another module's (Compute's metadata, for one).</summary>
internal sealed class ModuleWithServices(ICloudModule inner, Action<IServiceCollection> configure) : ICloudModule
{
    public string Name => inner.Name;

    public ServiceCatalogEntry Catalog => inner.Catalog;

    public IFaultFormat FaultFormat => inner.FaultFormat;

    public IReadOnlyList<Migration> Migrations => inner.Migrations;

    public IReadOnlyDictionary<string, string> DefaultPolicies => inner.DefaultPolicies;

    public void ConfigureServices(IServiceCollection services, CloudBoxOptions options)
    {
        inner.ConfigureServices(services, options);
        configure(services);
    }

    public void MapEndpoints(IEndpointRouteBuilder routes) => inner.MapEndpoints(routes);

    public IReadOnlyList<(ServiceCatalogEntry Entry, string BaseUrl)> ExtraCatalogEntries(CloudBoxOptions options) => inner.ExtraCatalogEntries(options);

    public IReadOnlyList<string> ExtraListenUrls(CloudBoxOptions options) => inner.ExtraListenUrls(options);

    public void MapRootEndpoints(IEndpointRouteBuilder root) => inner.MapRootEndpoints(root);
}
