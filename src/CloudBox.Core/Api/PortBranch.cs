using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Core.Api;

/// <summary>
/// Serves one listener's port with its own handler, in front of the shared pipeline: a connection to
/// <paramref name="port"/> never reaches the OpenStack routes or their fault middleware (S3's and EC2's
/// ports answer in their own XML; the metrics port serves only <c>/metrics</c>). The handler is made once,
/// from the application's services, when the pipeline is built.
/// </summary>
public sealed class PortBranch(int port, Func<IServiceProvider, RequestDelegate> handler) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.MapWhen(http => http.Connection.LocalPort == port, branch => branch.Run(handler(branch.ApplicationServices)));
        next(app);
    };
}
