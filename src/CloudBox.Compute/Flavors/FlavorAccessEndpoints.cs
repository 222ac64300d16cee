using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Compute.Flavors;

/// <summary>Private flavors' access lists: <c>os-flavor-access</c> and the add/removeTenantAccess actions.</summary>
public static class FlavorAccessEndpoints
{
    public static void Map(IEndpointRouteBuilder v21)
    {
        v21.MapGet("/flavors/{id}/os-flavor-access", ListAsync);
        v21.MapPost("/flavors/{id}/action", ActionAsync);
    }

    private static async Task<IResult> ListAsync(string id, HttpContext context, FlavorStore flavors, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "compute:flavors:access");
        var flavor = await flavors.FindAsync(id, cancellationToken) ?? throw ApiFault.NotFound($"Flavor {id} could not be found.");
        if (flavor.IsPublic)
            throw ApiFault.NotFound("Access list not available for public flavors.");
        return Render(id, await flavors.AccessAsync(id, cancellationToken));
    }

    private static async Task<IResult> ActionAsync(string id, HttpContext context, FlavorStore flavors, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "compute:flavors:access");
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        var flavor = await flavors.FindAsync(id, cancellationToken) ?? throw ApiFault.NotFound($"Flavor {id} could not be found.");
        if (body.OptionalObject("addTenantAccess") is { } add)
        {
            if (flavor.IsPublic)
                throw ApiFault.Conflict("Can not add access to a public flavor.");
            var tenant = add.RequireString("tenant");
            if (!await flavors.AddAccessAsync(id, tenant, cancellationToken))
                throw ApiFault.Conflict($"Flavor access already exists for flavor {id} and project {tenant} combination.");
        }
        else if (body.OptionalObject("removeTenantAccess") is { } remove)
        {
            var tenant = remove.RequireString("tenant");
            if (!await flavors.RemoveAccessAsync(id, tenant, cancellationToken))
                throw ApiFault.NotFound($"Flavor access not found for {id} / {tenant} combination.");
        }
        else
        {
            throw ApiFault.BadRequest("Unknown flavor action: expected addTenantAccess or removeTenantAccess.");
        }
        return Render(id, await flavors.AccessAsync(id, cancellationToken));
    }

    private static IResult Render(string id, IReadOnlyList<string> projects)
    {
        var list = new JsonArray();
        foreach (var project in projects)
            list.Add(new JsonObject { ["flavor_id"] = id, ["tenant_id"] = project });
        return JsonBody.Node(new JsonObject { ["flavor_access"] = list });
    }
}
