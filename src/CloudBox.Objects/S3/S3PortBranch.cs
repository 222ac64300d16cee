using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Objects.S3;

/// <summary>
/// Puts the S3 API in front of the shared pipeline for connections to the S3 port only: there
/// every path is a bucket or key (so no OpenStack route may shadow one) and errors are S3 XML,
/// not the fault body the shared middleware would pick by path.
/// </summary>
internal sealed class S3PortBranch(int port) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.MapWhen(http => http.Connection.LocalPort == port, s3 =>
        {
            var dispatcher = s3.ApplicationServices.GetRequiredService<S3Dispatcher>();
            s3.Run(dispatcher.InvokeAsync);
        });
        next(app);
    };
}
