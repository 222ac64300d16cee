using CloudBox.Core.Configuration;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Objects.S3;

/// <summary>The S3 API: path-style buckets at the root of the S3 listener, signed with SigV4.</summary>
internal static class S3Api
{
    public static void ConfigureServices(IServiceCollection services, CloudBoxOptions options)
    {
    }

    public static void Map(IEndpointRouteBuilder root)
    {
    }
}
