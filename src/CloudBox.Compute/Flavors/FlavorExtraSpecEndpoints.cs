using System.Text.Json.Nodes;
using CloudBox.Compute.Api;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Compute.Flavors;

/// <summary><c>/flavors/{id}/os-extra_specs</c>: list, merge-create, show, set and unset one key.</summary>
public static class FlavorExtraSpecEndpoints
{
    public static void Map(IEndpointRouteBuilder v21)
    {
        v21.MapGet("/flavors/{id}/os-extra_specs", ListAsync);
        v21.MapPost("/flavors/{id}/os-extra_specs", CreateAsync);
        v21.MapGet("/flavors/{id}/os-extra_specs/{key}", GetAsync);
        v21.MapPut("/flavors/{id}/os-extra_specs/{key}", PutAsync);
        v21.MapDelete("/flavors/{id}/os-extra_specs/{key}", DeleteAsync);
    }

    private static async Task<IResult> ListAsync(string id, HttpContext context, FlavorStore flavors, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:flavors:extra_specs:index");
        var flavor = await FlavorEndpoints.FindUsableAsync(id, caller, flavors, cancellationToken);
        return JsonBody.Node(new JsonObject { ["extra_specs"] = NovaBody.ToJson(FlavorStore.ParseSpecs(flavor.ExtraSpecs)) });
    }

    private static async Task<IResult> GetAsync(string id, string key, HttpContext context, FlavorStore flavors, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:flavors:extra_specs:index");
        var flavor = await FlavorEndpoints.FindUsableAsync(id, caller, flavors, cancellationToken);
        if (!FlavorStore.ParseSpecs(flavor.ExtraSpecs).TryGetValue(key, out var value))
            throw ApiFault.NotFound($"Flavor {id} has no extra specs with key {key}.");
        return JsonBody.Node(new JsonObject { [key] = value });
    }

    private static async Task<IResult> CreateAsync(string id, HttpContext context, FlavorStore flavors, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "compute:flavors:manage");
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        var specs = NovaBody.StringMap(body["extra_specs"], "extra_specs");
        var result = await flavors.UpdateExtraSpecsAsync(id, current =>
        {
            foreach (var (key, value) in specs)
                current[key] = value;
        }, cancellationToken) ?? throw ApiFault.NotFound($"Flavor {id} could not be found.");
        return JsonBody.Node(new JsonObject { ["extra_specs"] = NovaBody.ToJson(specs) });
    }

    private static async Task<IResult> PutAsync(string id, string key, HttpContext context, FlavorStore flavors, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "compute:flavors:manage");
        var body = NovaBody.StringMap(await JsonBody.ReadObjectAsync(context.Request, cancellationToken), "extra_specs");
        if (body.Count != 1 || !body.ContainsKey(key))
            throw ApiFault.BadRequest("Request body and URI mismatch");
        _ = await flavors.UpdateExtraSpecsAsync(id, current => current[key] = body[key], cancellationToken)
            ?? throw ApiFault.NotFound($"Flavor {id} could not be found.");
        return JsonBody.Node(new JsonObject { [key] = body[key] });
    }

    private static async Task<IResult> DeleteAsync(string id, string key, HttpContext context, FlavorStore flavors, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "compute:flavors:manage");
        var found = false;
        _ = await flavors.UpdateExtraSpecsAsync(id, current => found = current.Remove(key), cancellationToken)
            ?? throw ApiFault.NotFound($"Flavor {id} could not be found.");
        if (!found)
            throw ApiFault.NotFound($"Flavor {id} has no extra specs with key {key}.");
        return Results.Ok();
    }
}
