using CloudBox.Core.Configuration;
using CloudBox.Objects.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Objects.Swift;

/// <summary>The Swift v1 API: account, container and object endpoints under the module's prefix, and <c>/info</c>.</summary>
internal static class SwiftApi
{
    private const string VersionRoot = "/v1/";
    private static readonly string[] Methods = ["GET", "HEAD", "PUT", "POST", "DELETE", "COPY", "OPTIONS"];

    /// <summary>Swift authorizes by account ownership and container ACLs, not by policy rules.</summary>
    public static IReadOnlyDictionary<string, string> DefaultPolicies { get; } = new Dictionary<string, string>();

    public static void ConfigureServices(IServiceCollection services, CloudBoxOptions options)
    {
        services.AddSingleton<SwiftBackend>();
    }

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapMethods("/info", ["GET", "HEAD"], (RequestDelegate)InfoEndpoint.HandleAsync);
        routes.MapMethods("/v1/{**path}", Methods, (RequestDelegate)DispatchAsync);
    }

    private static async Task DispatchAsync(HttpContext context)
    {
        SwiftHeaders.AddTransactionId(context);
        var backend = context.RequestServices.GetRequiredService<SwiftBackend>();
        var request = new SwiftRequest(context, SwiftPath.Parse(context, VersionRoot), backend);
        try
        {
            if (HttpMethods.IsOptions(context.Request.Method))
            {
                await ContainerCors.PreflightAsync(request);
                return;
            }
            ContainerCors.AddResponseHeaders(request);
            if (request.Path.Container is null)
                await AccountEndpoints.HandleAsync(request);
            else if (request.Path.Object is null)
                await ContainerEndpoints.HandleAsync(request);
            else
                await ObjectEndpoints.HandleAsync(request);
        }
        catch (ContainerNotFoundException)
        {
            throw SwiftFaults.NotFound();
        }
    }
}
