using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Identity.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Identity.Domains;

/// <summary><c>/v3/domains</c></summary>
public static class DomainEndpoints
{
    private static readonly string[] Fields = ["name", "description", "enabled", "tags", "options"];

    public static void Map(IEndpointRouteBuilder v3)
    {
        v3.MapGet("/domains", ListAsync);
        v3.MapPost("/domains", CreateAsync);
        v3.MapGet("/domains/{id}", GetAsync);
        v3.MapMethods("/domains/{id}", ["PATCH"], UpdateAsync);
        v3.MapDelete("/domains/{id}", DeleteAsync);
    }

    public static JsonObject ToJson(DomainRecord domain, HttpRequest request) => new JsonObject
    {
        ["id"] = domain.Id,
        ["name"] = domain.Name,
        ["description"] = domain.Description,
        ["enabled"] = domain.Enabled,
        ["tags"] = new JsonArray(),
        ["options"] = new JsonObject(),
        ["links"] = KeystoneResponses.Links($"{IdentityUrls.V3(request)}/domains/{domain.Id}"),
    }.WithExtra(domain.Extra);

    private static PolicyTarget Target(string id) => new PolicyTarget().Set("target.domain.id", id);

    private static async Task<IResult> ListAsync(HttpContext context, DomainStore domains, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:list_domains");
        var found = await domains.ListAsync(context.Request.Query("name"), context.Request.QueryBool("enabled"), cancellationToken);
        return KeystoneResponses.Collection(context.Request, "domains", found.Select(d => ToJson(d, context.Request)));
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, DomainStore domains, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:get_domain", Target(id));
        return KeystoneResponses.Single("domain", ToJson(await domains.GetAsync(id, cancellationToken), context.Request));
    }

    private static async Task<IResult> CreateAsync(HttpContext context, DomainStore domains, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:create_domain");
        var body = (await JsonBody.ReadObjectAsync(context.Request, cancellationToken)).RequireObject("domain");
        var domain = new DomainRecord
        {
            Id = body.OptionalString("explicit_domain_id") ?? Identifiers.NewHexId(),
            Name = body.RequireString("name", 64),
            Description = body.OptionalString("description", 65535) ?? "",
            Enabled = body.OptionalBool("enabled") ?? true,
            Extra = KeystoneResponses.ExtraOf(body, "{}", [.. Fields, "explicit_domain_id"]),
            CreatedAt = IdentityRequest.Now(clock),
        };
        await domains.CreateAsync(domain, cancellationToken);
        return KeystoneResponses.Single("domain", ToJson(domain, context.Request), StatusCodes.Status201Created);
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext context, DomainStore domains, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:update_domain", Target(id));
        var body = (await JsonBody.ReadObjectAsync(context.Request, cancellationToken)).RequireObject("domain");
        IdentityRequest.RequireMatchingId(body.OptionalString("id"), id);
        var domain = await domains.GetAsync(id, cancellationToken);
        domain.Name = body.OptionalString("name", 64) ?? domain.Name;
        domain.Description = body.OptionalString("description", 65535) ?? domain.Description;
        domain.Enabled = body.OptionalBool("enabled") ?? domain.Enabled;
        domain.Extra = KeystoneResponses.ExtraOf(body, domain.Extra, Fields);
        if (!domain.Enabled && domain.Id == DomainRecord.DefaultId)
            throw ApiFault.Forbidden("The default domain cannot be disabled.");
        await domains.UpdateAsync(domain, cancellationToken);
        return KeystoneResponses.Single("domain", ToJson(domain, context.Request));
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, DomainStore domains, PolicyEngine policy, CancellationToken cancellationToken)
    {
        context.Authorize(policy, "identity:delete_domain", Target(id));
        var domain = await domains.GetAsync(id, cancellationToken);
        if (domain.Enabled)
            throw ApiFault.Forbidden($"Cannot delete a domain that is enabled, please disable it first.");
        if (domain.Id == DomainRecord.DefaultId)
            throw ApiFault.Forbidden("The default domain cannot be deleted.");
        await domains.DeleteAsync(id, cancellationToken);
        return Results.NoContent();
    }
}
