using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Identity.Api;
using CloudBox.Identity.Regions;
using CloudBox.Identity.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Identity.Endpoints;

/// <summary><c>/v3/endpoints</c>: the URLs of the services in the catalog.</summary>
public static class EndpointEndpoints
{
    private static readonly string[] Interfaces = [EndpointRecord.Public, EndpointRecord.Internal, EndpointRecord.Admin];

    public static void Map(IEndpointRouteBuilder v3)
    {
        v3.MapGet("/endpoints", ListAsync);
        v3.MapPost("/endpoints", CreateAsync);
        v3.MapGet("/endpoints/{id}", GetAsync);
        v3.MapMethods("/endpoints/{id}", ["PATCH"], UpdateAsync);
        v3.MapDelete("/endpoints/{id}", DeleteAsync);
    }

    public static JsonObject ToJson(EndpointRecord endpoint, HttpRequest request) => new()
    {
        ["id"] = endpoint.Id,
        ["interface"] = endpoint.Interface,
        ["region_id"] = endpoint.RegionId,
        ["region"] = endpoint.RegionId,
        ["service_id"] = endpoint.ServiceId,
        ["url"] = endpoint.Url,
        ["enabled"] = endpoint.Enabled,
        ["links"] = KeystoneResponses.Links($"{IdentityUrls.V3(request)}/endpoints/{endpoint.Id}"),
    };

    private static async Task<IResult> ListAsync(HttpContext context, EndpointStore endpoints, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:list_endpoints");
        var request = context.Request;
        var found = await endpoints.ListAsync(request.Query("service_id"), request.Query("interface"), request.Query("region_id"), cancellationToken);
        return KeystoneResponses.Collection(request, "endpoints", found.Select(e => ToJson(e, request)));
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, EndpointStore endpoints, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:get_endpoint");
        return KeystoneResponses.Single("endpoint", ToJson(await endpoints.GetAsync(id, cancellationToken), context.Request));
    }

    private static async Task<IResult> CreateAsync(HttpContext context, EndpointStore endpoints, ServiceStore services, RegionStore regions,
        PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:create_endpoint");
        var body = (await JsonBody.ReadObjectAsync(context.Request, cancellationToken)).RequireObject("endpoint");
        var endpoint = new EndpointRecord
        {
            Id = Identifiers.NewHexId(),
            ServiceId = body.RequireString("service_id", 64),
            Interface = CheckInterface(body.RequireString("interface")),
            RegionId = body.OptionalString("region_id") ?? body.OptionalString("region"),
            Url = CheckUrl(body.RequireString("url", 2048)),
            Enabled = body.OptionalBool("enabled") ?? true,
            CreatedAt = IdentityRequest.Now(clock),
        };
        _ = await services.FindAsync(endpoint.ServiceId, cancellationToken) ?? throw ApiFault.BadRequest($"Could not find service: {endpoint.ServiceId}.");
        if (endpoint.RegionId is not null)
            _ = await regions.FindAsync(endpoint.RegionId, cancellationToken) ?? throw ApiFault.BadRequest($"Could not find region: {endpoint.RegionId}.");
        await endpoints.CreateAsync(endpoint, cancellationToken);
        return KeystoneResponses.Single("endpoint", ToJson(endpoint, context.Request), StatusCodes.Status201Created);
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext context, EndpointStore endpoints, ServiceStore services, RegionStore regions,
        PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:update_endpoint");
        var endpoint = await endpoints.GetAsync(id, cancellationToken);
        var body = (await JsonBody.ReadObjectAsync(context.Request, cancellationToken)).RequireObject("endpoint");
        if (body.OptionalString("service_id", 64) is { } serviceId)
        {
            _ = await services.FindAsync(serviceId, cancellationToken) ?? throw ApiFault.BadRequest($"Could not find service: {serviceId}.");
            endpoint.ServiceId = serviceId;
        }
        if ((body.OptionalString("region_id") ?? body.OptionalString("region")) is { } regionId)
        {
            _ = await regions.FindAsync(regionId, cancellationToken) ?? throw ApiFault.BadRequest($"Could not find region: {regionId}.");
            endpoint.RegionId = regionId;
        }
        endpoint.Interface = body.OptionalString("interface") is { } iface ? CheckInterface(iface) : endpoint.Interface;
        endpoint.Url = body.OptionalString("url", 2048) is { } url ? CheckUrl(url) : endpoint.Url;
        endpoint.Enabled = body.OptionalBool("enabled") ?? endpoint.Enabled;
        // An operator's edit takes the endpoint out of bootstrap's hands.
        endpoint.Managed = false;
        await endpoints.UpdateAsync(endpoint, cancellationToken);
        return KeystoneResponses.Single("endpoint", ToJson(endpoint, context.Request));
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, EndpointStore endpoints, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:delete_endpoint");
        _ = await endpoints.GetAsync(id, cancellationToken);
        await endpoints.DeleteAsync(id, cancellationToken);
        return Results.NoContent();
    }

    private static string CheckInterface(string value) =>
        Array.IndexOf(Interfaces, value) >= 0 ? value : throw ApiFault.BadRequest($"Invalid input for field 'interface': '{value}' is not one of public, internal, admin.");

    private static string CheckUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? value
            : throw ApiFault.BadRequest($"Invalid input for field 'url': '{value}' is not an http(s) URL.");
}
