using CloudBox.Core.Configuration;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Objects.Swift;

/// <summary>The Swift v1 API: account, container and object endpoints under the module's prefix.</summary>
internal static class SwiftApi
{
    public static IReadOnlyDictionary<string, string> DefaultPolicies { get; } = new Dictionary<string, string>();

    public static void ConfigureServices(IServiceCollection services, CloudBoxOptions options)
    {
    }

    public static void Map(IEndpointRouteBuilder routes)
    {
    }
}
