using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Images.Tests;

/// <summary>Who sees what: private, shared (with member acceptance), community and public images.</summary>
public sealed class ImageSharingTests(DatabaseEngine engine) : ImagesFixture(engine)
{
    private async Task<(string ProjectId, string Token)> MemberAsync()
    {
        var project = Unique("proj");
        var user = Unique("user");
        var (projectId, _) = await Cloud.CreateUserWithRoleAsync(AdminToken, project, user, "pw", "member");
        return (projectId, await Cloud.TokenAsync(user, "pw", project));
    }

    private async Task<IReadOnlyList<string>> ListIdsAsync(string token, string query = "")
    {
        var (_, body, _) = await Cloud.SendAsync(HttpMethod.Get, "/image/v2/images" + query, token);
        return body!["images"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()).ToList();
    }

    [Test]
    public async Task A_private_image_is_invisible_to_other_projects()
    {
        var (_, ownerToken) = await MemberAsync();
        var (_, otherToken) = await MemberAsync();
        var id = (await CreateImageAsync(ownerToken, new JsonObject { ["name"] = Unique("mine"), ["visibility"] = "private" }))["id"]!.GetValue<string>();

        Assert.That(await ListIdsAsync(otherToken), Does.Not.Contain(id));
        var (status, _, _) = await Cloud.SendAsync(HttpMethod.Get, $"/image/v2/images/{id}", otherToken);
        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound));
        var (deleteStatus, _, _) = await Cloud.SendAsync(HttpMethod.Delete, $"/image/v2/images/{id}", otherToken);
        Assert.That(deleteStatus, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task A_shared_image_appears_in_the_members_list_once_accepted()
    {
        var (_, ownerToken) = await MemberAsync();
        var (memberProject, memberToken) = await MemberAsync();
        var id = (await CreateImageAsync(ownerToken, new JsonObject { ["name"] = Unique("shared") }))["id"]!.GetValue<string>();

        var (added, member, _) = await Cloud.SendAsync(HttpMethod.Post, $"/image/v2/images/{id}/members", ownerToken, new JsonObject { ["member"] = memberProject });
        Assert.That(added, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(member!["status"]!.GetValue<string>(), Is.EqualTo("pending"));
        Assert.That(await ListIdsAsync(memberToken), Does.Not.Contain(id));
        Assert.That(await ListIdsAsync(memberToken, "?member_status=pending"), Does.Contain(id));
        var (visible, _, _) = await Cloud.SendAsync(HttpMethod.Get, $"/image/v2/images/{id}", memberToken);
        Assert.That(visible, Is.EqualTo(HttpStatusCode.OK));

        var (ownerCannotAccept, _, _) = await Cloud.SendAsync(HttpMethod.Put, $"/image/v2/images/{id}/members/{memberProject}", ownerToken, new JsonObject { ["status"] = "accepted" });
        Assert.That(ownerCannotAccept, Is.EqualTo(HttpStatusCode.Forbidden));
        var (accepted, _, _) = await Cloud.SendAsync(HttpMethod.Put, $"/image/v2/images/{id}/members/{memberProject}", memberToken, new JsonObject { ["status"] = "accepted" });
        Assert.That(accepted, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await ListIdsAsync(memberToken), Does.Contain(id));

        var (memberCannotModify, _, _) = await Cloud.SendAsync(HttpMethod.Delete, $"/image/v2/images/{id}", memberToken);
        Assert.That(memberCannotModify, Is.EqualTo(HttpStatusCode.Forbidden));
        var (duplicate, _, _) = await Cloud.SendAsync(HttpMethod.Post, $"/image/v2/images/{id}/members", ownerToken, new JsonObject { ["member"] = memberProject });
        Assert.That(duplicate, Is.EqualTo(HttpStatusCode.Conflict));

        var (removed, _, _) = await Cloud.SendAsync(HttpMethod.Delete, $"/image/v2/images/{id}/members/{memberProject}", ownerToken);
        Assert.That(removed, Is.EqualTo(HttpStatusCode.NoContent));
        var (goneAgain, _, _) = await Cloud.SendAsync(HttpMethod.Get, $"/image/v2/images/{id}", memberToken);
        Assert.That(goneAgain, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Only_shared_images_take_members()
    {
        var (_, ownerToken) = await MemberAsync();
        var (memberProject, _) = await MemberAsync();
        var id = (await CreateImageAsync(ownerToken, new JsonObject { ["visibility"] = "private" }))["id"]!.GetValue<string>();
        var (status, _, _) = await Cloud.SendAsync(HttpMethod.Post, $"/image/v2/images/{id}/members", ownerToken, new JsonObject { ["member"] = memberProject });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task Community_images_are_listed_only_when_asked_for_and_only_admins_publish()
    {
        var (_, ownerToken) = await MemberAsync();
        var (_, otherToken) = await MemberAsync();
        var id = (await CreateImageAsync(ownerToken, new JsonObject { ["visibility"] = "community" }))["id"]!.GetValue<string>();
        Assert.That(await ListIdsAsync(otherToken), Does.Not.Contain(id));
        Assert.That(await ListIdsAsync(otherToken, "?visibility=community"), Does.Contain(id));

        var (memberPublish, _, _) = await Cloud.SendAsync(HttpMethod.Post, "/image/v2/images", ownerToken, new JsonObject { ["visibility"] = "public" });
        Assert.That(memberPublish, Is.EqualTo(HttpStatusCode.Forbidden));
        var publicId = (await CreateImageAsync(AdminToken, new JsonObject { ["visibility"] = "public" }))["id"]!.GetValue<string>();
        Assert.That(await ListIdsAsync(otherToken), Does.Contain(publicId));
    }

    [Test]
    public async Task A_reader_may_look_but_not_create()
    {
        var project = Unique("proj");
        var user = Unique("reader");
        await Cloud.CreateUserWithRoleAsync(AdminToken, project, user, "pw", "reader");
        var token = await Cloud.TokenAsync(user, "pw", project);
        var (list, _, _) = await Cloud.SendAsync(HttpMethod.Get, "/image/v2/images", token);
        Assert.That(list, Is.EqualTo(HttpStatusCode.OK));
        var (create, _, _) = await Cloud.SendAsync(HttpMethod.Post, "/image/v2/images", token, new JsonObject { ["name"] = "x" });
        Assert.That(create, Is.EqualTo(HttpStatusCode.Forbidden));
    }
}
