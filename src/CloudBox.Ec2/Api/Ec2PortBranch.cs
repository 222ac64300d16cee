using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Ec2.Api;

/// <summary>Puts the EC2 API in front of the shared pipeline for connections to the EC2 port only (errors are EC2 XML there).</summary>
internal sealed class Ec2PortBranch(int port) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.MapWhen(http => http.Connection.LocalPort == port, ec2 =>
        {
            var dispatcher = ec2.ApplicationServices.GetRequiredService<Ec2Dispatcher>();
            ec2.Run(dispatcher.InvokeAsync);
        });
        next(app);
    };
}
