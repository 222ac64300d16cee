using CloudBox.Core.Configuration;
using CloudBox.Objects.S3.Auth;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Objects.S3;

/// <summary>
/// The S3 API: path-style (and, with a host name, virtual-hosted) buckets at the root of the S3
/// listener, signed with SigV4 against Identity's EC2 credentials. It answers on the S3 port
/// only, ahead of the shared pipeline (Core's <see cref="Core.Api.PortBranch"/>: every path there is a bucket or key, and errors are S3 XML), so it maps no routes.
/// </summary>
internal static class S3Api
{
    public static void ConfigureServices(IServiceCollection services, CloudBoxOptions options)
    {
        services.AddSingleton<S3Authenticator>();
        services.AddSingleton<S3Services>();
        services.AddSingleton<S3Dispatcher>();
        if (Uri.TryCreate(options.S3ListenUrl, UriKind.Absolute, out var listen) && listen.Port > 0)
            services.AddSingleton<IStartupFilter>(new Core.Api.PortBranch(listen.Port, provider => provider.GetRequiredService<S3Dispatcher>().InvokeAsync));
    }

    public static void Map(IEndpointRouteBuilder root)
    {
    }
}
