using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Images.Files;
using CloudBox.Images.Members;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Images.Images;

/// <summary><c>/v2/images</c>: create, list, show, JSON-patch update and delete.</summary>
public static class ImageEndpoints
{
    public static void Map(IEndpointRouteBuilder v2)
    {
        v2.MapGet("/images", ListAsync);
        v2.MapPost("/images", CreateAsync);
        v2.MapGet("/images/{id}", GetAsync);
        v2.MapMethods("/images/{id}", ["PATCH"], UpdateAsync);
        v2.MapDelete("/images/{id}", DeleteAsync);
    }

    /// <summary>The image if the caller may see it; 404 otherwise, so others' private images do not leak.</summary>
    public static async Task<ImageRecord> FindVisibleAsync(string id, CallerContext caller, ImageStore images, MemberStore members, CancellationToken cancellationToken)
    {
        var image = await images.FindAsync(id, cancellationToken);
        if (image is null)
            throw ApiFault.NotFound($"No image found with ID {id}");
        var isMember = image.Visibility == "shared" && caller.ProjectId is not null
            && await members.FindAsync(id, caller.ProjectId, cancellationToken) is not null;
        if (!ImageAccess.CanSee(image, caller, isMember))
            throw ApiFault.NotFound($"No image found with ID {id}");
        return image;
    }

    private static async Task<IResult> ListAsync(HttpContext context, ImageStore images, MemberStore members, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "image:get_images");
        var candidates = await images.ListVisibleAsync(caller.ProjectId, ImageAccess.IsAdmin(caller), cancellationToken);
        var memberships = caller.ProjectId is null
            ? new Dictionary<string, string>()
            : await members.StatusesForMemberAsync(caller.ProjectId, cancellationToken);
        var (page, next) = ImageListing.Apply(candidates, memberships, caller, context.Request);
        var list = new JsonArray();
        foreach (var image in page)
            list.Add(ImageJson.ToJson(image));
        var body = new JsonObject { ["images"] = list, ["first"] = "/v2/images", ["schema"] = "/v2/schemas/images" };
        if (next is not null)
            body["next"] = next;
        return JsonBody.Node(body, statusCode: 200);
    }

    private static async Task<IResult> CreateAsync(HttpContext context, ImageStore images, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "image:add_image");
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        var now = Timestamps.ToStorage(clock.GetUtcNow());
        var image = new ImageRecord
        {
            Id = ImageId(body["id"]),
            Status = ImageStatus.Queued,
            Visibility = "shared",
            Owner = caller.ProjectId,
            CreatedAt = now,
            UpdatedAt = now,
        };
        foreach (var (name, value) in body)
        {
            if (name != "id")
                ImageAttributes.Set(image, name, value?.DeepClone());
        }
        if (image.Owner != caller.ProjectId && !ImageAccess.IsAdmin(caller))
            throw ApiFault.Forbidden("You are not permitted to create images owned by another project.");
        AuthorizeVisibility(context, policy, image.Visibility);
        if (!await images.InsertAsync(image, cancellationToken))
            throw ApiFault.Conflict($"Image with identifier {image.Id} already exists!");
        context.Response.Headers.Location = $"/v2/images/{image.Id}";
        return JsonBody.Node(ImageJson.ToJson(image), statusCode: 201);
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, ImageStore images, MemberStore members, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "image:get_image");
        var image = await FindVisibleAsync(id, caller, images, members, cancellationToken);
        return JsonBody.Node(ImageJson.ToJson(image));
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext context, ImageStore images, MemberStore members, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "image:modify_image");
        ImagePatch.CheckMediaType(context.Request.ContentType);
        JsonNode? document;
        try
        {
            document = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException error)
        {
            throw ApiFault.BadRequest($"Malformed JSON-patch body: {error.Message}");
        }
        JsonBody.CheckText(document);
        var image = await FindVisibleAsync(id, caller, images, members, cancellationToken);
        ImageAccess.RequireModify(image, caller);
        var changed = image.Clone();
        ImagePatch.Apply(changed, document);
        if (changed.Visibility != image.Visibility)
            AuthorizeVisibility(context, policy, changed.Visibility);
        if (changed.Owner != image.Owner && !ImageAccess.IsAdmin(caller))
            throw ApiFault.Forbidden("Only an admin may change an image's owner.");
        changed.UpdatedAt = Timestamps.ToStorage(clock.GetUtcNow());
        if (!await images.UpdateAsync(changed, image.Status, cancellationToken))
            throw ApiFault.Conflict($"Image {id} changed status while it was being updated; retry.");
        return JsonBody.Node(ImageJson.ToJson(changed));
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, ImageStore images, MemberStore members, ImageFileStore files, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "image:delete_image");
        var image = await FindVisibleAsync(id, caller, images, members, cancellationToken);
        ImageAccess.RequireModify(image, caller);
        if (image.Protected)
            throw ApiFault.Forbidden($"Image {id} is protected and cannot be deleted.");
        if (image.Status is ImageStatus.Saving or ImageStatus.Importing)
            throw ApiFault.Conflict($"Image {id} is receiving data ({image.Status}); delete it when that ends.");
        // Row first, then data: a crash in between leaves an orphan file that startup sweeps, never a row without data.
        if (!await images.DeleteAsync(id, cancellationToken))
            throw ApiFault.NotFound($"No image found with ID {id}");
        files.Delete(id);
        files.DeleteStaged(id);
        return Results.NoContent();
    }

    private static void AuthorizeVisibility(HttpContext context, PolicyEngine policy, string visibility)
    {
        if (visibility == "public")
            context.Authorize(policy, "image:publicize_image");
        else if (visibility == "community")
            context.Authorize(policy, "image:communitize_image");
    }

    private static string ImageId(JsonNode? value)
    {
        if (value is null)
            return Identifiers.NewUuid();
        if (value is JsonValue v && v.GetValueKind() == JsonValueKind.String && Guid.TryParseExact(v.GetValue<string>(), "D", out var id))
            return id.ToString("D");
        throw ApiFault.BadRequest("Invalid 'id': must be a UUID.");
    }
}
