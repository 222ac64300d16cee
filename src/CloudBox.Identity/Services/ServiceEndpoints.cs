using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Identity.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Identity.Services;

/// <summary><c>/v3/services</c></summary>
public static class ServiceEndpoints
{
    public static void Map(IEndpointRouteBuilder v3)
    {
        v3.MapGet("/services", ListAsync);
        v3.MapPost("/services", CreateAsync);
        v3.MapGet("/services/{id}", GetAsync);
        v3.MapMethods("/services/{id}", ["PATCH"], UpdateAsync);
        v3.MapDelete("/services/{id}", DeleteAsync);
    }

    public static JsonObject ToJson(ServiceRecord service, HttpRequest request) => new()
    {
        ["id"] = service.Id,
        ["type"] = service.Type,
        ["name"] = service.Name,
        ["description"] = service.Description,
        ["enabled"] = service.Enabled,
        ["links"] = KeystoneResponses.Links($"{IdentityUrls.V3(request)}/services/{service.Id}"),
    };

    private static async Task<IResult> ListAsync(HttpContext context, ServiceStore services, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:list_services");
        var found = await services.ListAsync(context.Request.Query("type"), context.Request.Query("name"), cancellationToken);
        return KeystoneResponses.Collection(context.Request, "services", found.Select(s => ToJson(s, context.Request)));
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, ServiceStore services, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:get_service");
        return KeystoneResponses.Single("service", ToJson(await services.GetAsync(id, cancellationToken), context.Request));
    }

    private static async Task<IResult> CreateAsync(HttpContext context, ServiceStore services, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:create_service");
        var body = (await JsonBody.ReadObjectAsync(context.Request, cancellationToken)).RequireObject("service");
        var service = new ServiceRecord
        {
            Id = Identifiers.NewHexId(),
            Type = body.RequireString("type"),
            Name = body.OptionalString("name") ?? "",
            Description = body.OptionalString("description", 65535) ?? "",
            Enabled = body.OptionalBool("enabled") ?? true,
            CreatedAt = IdentityRequest.Now(clock),
        };
        await services.CreateAsync(service, cancellationToken);
        return KeystoneResponses.Single("service", ToJson(service, context.Request), StatusCodes.Status201Created);
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext context, ServiceStore services, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:update_service");
        var service = await services.GetAsync(id, cancellationToken);
        var body = (await JsonBody.ReadObjectAsync(context.Request, cancellationToken)).RequireObject("service");
        service.Type = body.OptionalString("type") ?? service.Type;
        service.Name = body.OptionalString("name") ?? service.Name;
        service.Description = body.OptionalString("description", 65535) ?? service.Description;
        service.Enabled = body.OptionalBool("enabled") ?? service.Enabled;
        await services.UpdateAsync(service, cancellationToken);
        return KeystoneResponses.Single("service", ToJson(service, context.Request));
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, ServiceStore services, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:delete_service");
        _ = await services.GetAsync(id, cancellationToken);
        await services.DeleteAsync(id, cancellationToken);
        return Results.NoContent();
    }
}
