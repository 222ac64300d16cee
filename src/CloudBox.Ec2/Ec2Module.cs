using CloudBox.Core.Api;
using CloudBox.Core.Configuration;
using CloudBox.Core.Data;
using CloudBox.Core.Modules;
using CloudBox.Ec2.Api;
using CloudBox.Ec2.Auth;
using CloudBox.Ec2.Data;
using CloudBox.Ec2.Ids;
using CloudBox.Ec2.Metadata;
using CloudBox.Ec2.OpenStack;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CloudBox.Ec2;

/// <summary>
/// The Amazon EC2 Query API (version 2016-11-15) on its own port, as OpenStack's ec2-api served it:
/// requests signed with Identity's EC2 credentials (the AWS signature code S3 uses), run in the
/// credential user's name against Compute, Images, Volumes and Networking through their public APIs
/// in process, with EC2-shaped ids kept in the module's own table.
/// </summary>
public sealed class Ec2Module : ICloudModule
{
    public string Name => "ec2";

    /// <summary>The catalog entry; its URL is the EC2 port's (see <see cref="ExtraCatalogEntries"/>), the path is only the module's own.</summary>
    public ServiceCatalogEntry Catalog { get; } = new("ec2", "ec2", "EC2 API", "/ec2", "");

    public IFaultFormat FaultFormat => Ec2FaultFormat.Instance;

    public IReadOnlyList<Migration> Migrations => Ec2Schema.Migrations;

    public IReadOnlyDictionary<string, string> DefaultPolicies { get; } = new Dictionary<string, string>();

    public IReadOnlyList<(ServiceCatalogEntry Entry, string BaseUrl)> ExtraCatalogEntries(CloudBoxOptions options) =>
        options.Ec2PublicUrl.Length == 0 ? [] : [(new ServiceCatalogEntry("ec2", "ec2", "EC2 API", "", ""), options.Ec2PublicUrl)];

    public IReadOnlyList<string> ExtraListenUrls(CloudBoxOptions options) => options.Ec2ListenUrl.Length == 0 ? [] : [options.Ec2ListenUrl];

    public void ConfigureServices(IServiceCollection services, CloudBoxOptions options)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<Ec2IdStore>();
        services.AddSingleton<TagStore>();
        services.AddSingleton<ReservationStore>();
        services.AddSingleton<VpcStore>();
        services.AddSingleton<GatewayStore>();
        services.AddSingleton<RouteTableStore>();
        services.AddSingleton<Ec2Services>();
        services.AddSingleton<Ec2Authenticator>();
        services.AddSingleton<TokenCache>();
        services.AddSingleton<Ec2Dispatcher>();
        services.AddSingleton<Core.Compute.IEc2InstanceIds, Ec2InstanceIds>();
        if (Uri.TryCreate(options.Ec2ListenUrl, UriKind.Absolute, out var listen) && listen.Port > 0)
            services.AddSingleton<IStartupFilter>(new Core.Api.PortBranch(listen.Port, provider => provider.GetRequiredService<Ec2Dispatcher>().InvokeAsync));
    }

    public void MapEndpoints(IEndpointRouteBuilder routes)
    {
    }
}
