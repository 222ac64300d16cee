using CloudBox.Core.Api;
using CloudBox.Core.Configuration;
using CloudBox.Core.Data;
using CloudBox.Core.Modules;
using CloudBox.Dashboard.Assets;
using CloudBox.Dashboard.Data;
using CloudBox.Dashboard.Login;
using CloudBox.Dashboard.Security;
using CloudBox.Dashboard.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CloudBox.Dashboard;

/// <summary>
/// The web dashboard at <c>/</c>: an ES-module browser app embedded in the binary that calls CloudBox's own public
/// APIs on the same origin, with a server-side session (cookie + CSRF token) holding the Keystone token.
/// </summary>
public sealed class DashboardModule : ICloudModule
{
    public string Name => "dashboard";

    public ServiceCatalogEntry Catalog { get; } = new("dashboard", "horizon", "Web dashboard", "/dashboard", "");

    public IFaultFormat FaultFormat => PlainJsonFaultFormat.Instance;

    public IReadOnlyList<Migration> Migrations => DashboardSchema.Migrations;

    public IReadOnlyDictionary<string, string> DefaultPolicies { get; } = new Dictionary<string, string>();

    public void ConfigureServices(IServiceCollection services, CloudBoxOptions options)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<AssetCatalog>();
        services.AddSingleton<SessionStore>();
        services.AddSingleton<LoginService>();
        services.AddSingleton(_ => new IdentityClient(new HttpClient { BaseAddress = IdentityClient.LoopbackBase(options), Timeout = TimeSpan.FromSeconds(30) }));
        services.AddHostedService<SessionSweeper>();
    }

    public void ConfigureMiddleware(IApplicationBuilder app) => app.UseMiddleware<SessionMiddleware>();

    public void MapEndpoints(IEndpointRouteBuilder routes) => LoginEndpoints.Map(routes);

    public void MapRootEndpoints(IEndpointRouteBuilder root) => AssetEndpoints.Map(root);
}
