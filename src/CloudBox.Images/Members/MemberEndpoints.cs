using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Ids;
using CloudBox.Images.Images;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Images.Members;

/// <summary>
/// <c>/v2/images/{id}/members</c>: the owner shares a <c>shared</c> image with projects; each
/// member project accepts or rejects the share for itself.
/// </summary>
public static class MemberEndpoints
{
    private static readonly string[] Statuses = ["pending", "accepted", "rejected"];

    public static void Map(IEndpointRouteBuilder v2)
    {
        v2.MapGet("/images/{id}/members", ListAsync);
        v2.MapPost("/images/{id}/members", AddAsync);
        v2.MapGet("/images/{id}/members/{member}", GetAsync);
        v2.MapPut("/images/{id}/members/{member}", UpdateAsync);
        v2.MapDelete("/images/{id}/members/{member}", DeleteAsync);
    }

    public static JsonObject ToJson(MemberRecord member) => new()
    {
        ["created_at"] = ImageJson.Glance(member.CreatedAt),
        ["updated_at"] = ImageJson.Glance(member.UpdatedAt),
        ["image_id"] = member.ImageId,
        ["member_id"] = member.MemberId,
        ["schema"] = "/v2/schemas/member",
        ["status"] = member.Status,
    };

    private static async Task<IResult> ListAsync(string id, HttpContext context, ImageStore images, MemberStore members, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "image:get_members");
        var image = await ImageEndpoints.FindVisibleAsync(id, caller, images, members, cancellationToken);
        var all = await members.ListAsync(id, cancellationToken);
        var owner = ImageAccess.IsOwner(image, caller) || ImageAccess.IsAdmin(caller);
        var list = new JsonArray();
        foreach (var member in all.Where(m => owner || m.MemberId == caller.ProjectId))
            list.Add(ToJson(member));
        return JsonBody.Node(new JsonObject { ["members"] = list, ["schema"] = "/v2/schemas/members" });
    }

    private static async Task<IResult> AddAsync(string id, HttpContext context, ImageStore images, MemberStore members, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "image:add_member");
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        var memberId = body["member"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
        if (string.IsNullOrEmpty(memberId) || memberId.Length > 255)
            throw ApiFault.BadRequest("The request body needs 'member', the id of the project to share with.");
        var image = await ImageEndpoints.FindVisibleAsync(id, caller, images, members, cancellationToken);
        ImageAccess.RequireModify(image, caller);
        if (image.Visibility != "shared")
            throw ApiFault.Forbidden($"Only shared images have members; image {id} is {image.Visibility}.");
        var now = Timestamps.ToStorage(clock.GetUtcNow());
        var member = new MemberRecord(id, memberId, "pending", now, now);
        if (!await members.AddAsync(member, cancellationToken))
            throw ApiFault.Conflict($"Member {memberId} already exists on image {id}.");
        return JsonBody.Node(ToJson(member));
    }

    private static async Task<IResult> GetAsync(string id, string member, HttpContext context, ImageStore images, MemberStore members, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "image:get_member");
        var image = await ImageEndpoints.FindVisibleAsync(id, caller, images, members, cancellationToken);
        var record = await members.FindAsync(id, member, cancellationToken);
        var mayRead = ImageAccess.IsOwner(image, caller) || ImageAccess.IsAdmin(caller) || member == caller.ProjectId;
        if (record is null || !mayRead)
            throw ApiFault.NotFound($"Member {member} not found on image {id}.");
        return JsonBody.Node(ToJson(record));
    }

    private static async Task<IResult> UpdateAsync(string id, string member, HttpContext context, ImageStore images, MemberStore members, PolicyEngine policy, TimeProvider clock, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "image:modify_member");
        var body = await JsonBody.ReadObjectAsync(context.Request, cancellationToken);
        var status = body["status"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
        if (status is null || !Statuses.Contains(status))
            throw ApiFault.BadRequest("'status' must be one of pending, accepted, rejected.");
        await ImageEndpoints.FindVisibleAsync(id, caller, images, members, cancellationToken);
        if (await members.FindAsync(id, member, cancellationToken) is null)
            throw ApiFault.NotFound($"Member {member} not found on image {id}.");
        if (member != caller.ProjectId && !ImageAccess.IsAdmin(caller))
            throw ApiFault.Forbidden("Only the member project itself may accept or reject a share.");
        var now = Timestamps.ToStorage(clock.GetUtcNow());
        await members.SetStatusAsync(id, member, status, now, cancellationToken);
        var record = await members.FindAsync(id, member, cancellationToken) ?? throw ApiFault.NotFound($"Member {member} not found on image {id}.");
        return JsonBody.Node(ToJson(record));
    }

    private static async Task<IResult> DeleteAsync(string id, string member, HttpContext context, ImageStore images, MemberStore members, PolicyEngine policy, CancellationToken cancellationToken)
    {
        var caller = context.Authorize(policy, "image:delete_member");
        var image = await ImageEndpoints.FindVisibleAsync(id, caller, images, members, cancellationToken);
        ImageAccess.RequireModify(image, caller);
        if (!await members.DeleteAsync(id, member, cancellationToken))
            throw ApiFault.NotFound($"Member {member} not found on image {id}.");
        return Results.NoContent();
    }
}
