using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CloudBox.Compute.Api;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Paging;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Compute.Keypairs;

/// <summary><c>/os-keypairs</c>: import or generate, list, show and delete the caller's key pairs.</summary>
public static partial class KeypairEndpoints
{
    public static void Map(IEndpointRouteBuilder v21)
    {
        v21.MapGet("/os-keypairs", ListAsync);
        v21.MapPost("/os-keypairs", CreateAsync);
        v21.MapGet("/os-keypairs/{name}", GetAsync);
        v21.MapDelete("/os-keypairs/{name}", DeleteAsync);
    }

    /// <summary>Admins may act on another user's key pairs with <c>?user_id=</c>.</summary>
    private static string Owner(HttpContext context, CallerContext caller)
    {
        var requested = context.Request.Query("user_id");
        if (requested is null || requested == caller.UserId)
            return caller.UserId;
        if (!caller.HasRole("admin"))
            throw ApiFault.Forbidden("Policy doesn't allow os_compute_api:os-keypairs to be performed for another user.");
        return requested;
    }

    private static async Task<IResult> ListAsync(HttpContext context, KeypairStore keypairs, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:keypairs");
        var list = new JsonArray();
        IReadOnlyList<KeypairRecord> all = await keypairs.ListAsync(Owner(context, caller), cancellationToken);
        if (Microversions.AtLeast(context, 35))
            all = PageRequest.FromQuery(context.Request).Apply(all, k => k.Name);
        foreach (var keypair in all)
        {
            var item = new JsonObject { ["name"] = keypair.Name, ["public_key"] = keypair.PublicKey, ["fingerprint"] = keypair.Fingerprint };
            if (Microversions.AtLeast(context, 2))
                item["type"] = keypair.Type;
            list.Add(new JsonObject { ["keypair"] = item });
        }
        return JsonBody.Node(new JsonObject { ["keypairs"] = list });
    }

    private static async Task<IResult> GetAsync(string name, HttpContext context, KeypairStore keypairs, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:keypairs");
        var keypair = await keypairs.FindAsync(Owner(context, caller), name, cancellationToken)
            ?? throw ApiFault.NotFound($"Keypair {name} not found for user {caller.UserId}");
        var shown = new JsonObject
        {
                ["id"] = keypair.Id,
                ["name"] = keypair.Name,
                ["public_key"] = keypair.PublicKey,
                ["fingerprint"] = keypair.Fingerprint,
                ["user_id"] = keypair.UserId,
                ["created_at"] = Timestamps.FromStorage(keypair.CreatedAt).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture),
                ["updated_at"] = null,
                ["deleted"] = false,
                ["deleted_at"] = null,
        };
        if (Microversions.AtLeast(context, 2))
            shown["type"] = keypair.Type;
        return JsonBody.Node(new JsonObject { ["keypair"] = shown });
    }

    private static async Task<IResult> CreateAsync(HttpContext context, KeypairStore keypairs, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:keypairs:create");
        var body = (await JsonBody.ReadObjectAsync(context.Request, cancellationToken)).RequireObject("keypair");
        var name = body.RequireString("name");
        if (!ValidName().IsMatch(name))
            throw ApiFault.BadRequest("Keypair data is invalid: Keypair name contains unsafe characters");
        var imported = body.OptionalString("public_key", 65535);
        var record = new KeypairRecord { UserId = caller.UserId, Name = name, CreatedAt = Timestamps.ToStorage(clock.GetUtcNow()) };
        if (body.Has("type"))
        {
            if (!Microversions.AtLeast(context, 2))
                throw ApiFault.BadRequest("Invalid input for field/attribute keypair: Additional properties are not allowed ('type' was unexpected)");
            record.Type = body.OptionalString("type") is "ssh" or "x509" ? body.OptionalString("type")! : throw ApiFault.BadRequest("Invalid input for field/attribute type: must be ssh or x509.");
            if (record.Type == "x509")
                throw ApiFault.BadRequest("x509 key pairs are not supported by CloudBox.");
        }
        string? privateKey = null;
        if (!string.IsNullOrWhiteSpace(imported))
        {
            record.PublicKey = imported.Trim();
            record.Fingerprint = SshPublicKeys.Fingerprint(record.PublicKey);
        }
        else
        {
            var (pem, line, fingerprint) = SshPublicKeys.GenerateRsa("Generated-by-CloudBox");
            (privateKey, record.PublicKey, record.Fingerprint) = (pem, line, fingerprint);
        }
        await keypairs.InsertAsync(record, caller.ProjectId, cancellationToken);
        var result = new JsonObject
        {
            ["name"] = record.Name,
            ["public_key"] = record.PublicKey,
            ["fingerprint"] = record.Fingerprint,
            ["user_id"] = record.UserId,
        };
        if (privateKey is not null)
            result["private_key"] = privateKey;
        if (Microversions.AtLeast(context, 2))
            result["type"] = record.Type;
        return JsonBody.Node(new JsonObject { ["keypair"] = result });
    }

    private static async Task<IResult> DeleteAsync(string name, HttpContext context, KeypairStore keypairs, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "compute:keypairs:create");
        if (!await keypairs.DeleteAsync(Owner(context, caller), name, cancellationToken))
            throw ApiFault.NotFound($"Keypair {name} not found for user {caller.UserId}");
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    [GeneratedRegex(@"^[a-zA-Z0-9 _.@-]{1,255}$")]
    private static partial Regex ValidName();
}
