using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Identity.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Identity.Regions;

/// <summary><c>/v3/regions</c></summary>
public static class RegionEndpoints
{
    public static void Map(IEndpointRouteBuilder v3)
    {
        v3.MapGet("/regions", ListAsync);
        v3.MapPost("/regions", (HttpContext c, RegionStore s, PolicyEngine p, TimeProvider t, CancellationToken ct) => CreateAsync(null, c, s, p, t, ct));
        v3.MapPut("/regions/{id}", (string id, HttpContext c, RegionStore s, PolicyEngine p, TimeProvider t, CancellationToken ct) => CreateAsync(id, c, s, p, t, ct));
        v3.MapGet("/regions/{id}", GetAsync);
        v3.MapMethods("/regions/{id}", ["PATCH"], UpdateAsync);
        v3.MapDelete("/regions/{id}", DeleteAsync);
    }

    public static JsonObject ToJson(RegionRecord region, HttpRequest request) => new()
    {
        ["id"] = region.Id,
        ["description"] = region.Description,
        ["parent_region_id"] = region.ParentRegionId,
        ["links"] = KeystoneResponses.Links($"{IdentityUrls.V3(request)}/regions/{region.Id}"),
    };

    private static async Task<IResult> ListAsync(HttpContext context, RegionStore regions, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:list_regions");
        var found = await regions.ListAsync(context.Request.Query("parent_region_id"), cancellationToken);
        return KeystoneResponses.Collection(context.Request, "regions", found.Select(r => ToJson(r, context.Request)));
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, RegionStore regions, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:get_region");
        return KeystoneResponses.Single("region", ToJson(await regions.GetAsync(id, cancellationToken), context.Request));
    }

    private static async Task<IResult> CreateAsync(string? id, HttpContext context, RegionStore regions, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:create_region");
        var body = (await JsonBody.ReadObjectAsync(context.Request, cancellationToken)).RequireObject("region");
        if (id is not null)
            IdentityRequest.RequireMatchingId(body.OptionalString("id"), id);
        var region = new RegionRecord
        {
            Id = id ?? body.OptionalString("id") ?? Core.Ids.Identifiers.NewHexId(),
            Description = body.OptionalString("description", 65535) ?? "",
            ParentRegionId = body.OptionalString("parent_region_id"),
            CreatedAt = IdentityRequest.Now(clock),
        };
        if (region.ParentRegionId is not null)
            _ = await regions.FindAsync(region.ParentRegionId, cancellationToken) ?? throw ApiFault.NotFound($"Could not find region: {region.ParentRegionId}.");
        await regions.CreateAsync(region, cancellationToken);
        return KeystoneResponses.Single("region", ToJson(region, context.Request), StatusCodes.Status201Created);
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext context, RegionStore regions, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:update_region");
        var region = await regions.GetAsync(id, cancellationToken);
        var body = (await JsonBody.ReadObjectAsync(context.Request, cancellationToken)).RequireObject("region");
        region.Description = body.OptionalString("description", 65535) ?? region.Description;
        if (body.Has("parent_region_id"))
        {
            var parent = body.OptionalString("parent_region_id");
            if (parent == id)
                throw ApiFault.BadRequest("A region cannot be its own parent.");
            if (parent is not null)
                _ = await regions.FindAsync(parent, cancellationToken) ?? throw ApiFault.NotFound($"Could not find region: {parent}.");
            region.ParentRegionId = parent;
        }
        await regions.UpdateAsync(region, cancellationToken);
        return KeystoneResponses.Single("region", ToJson(region, context.Request));
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, RegionStore regions, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:delete_region");
        _ = await regions.GetAsync(id, cancellationToken);
        await regions.DeleteAsync(id, cancellationToken);
        return Results.NoContent();
    }
}
