using CloudBox.Testing;
using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Identity.Tests.Api;

public class AuthorizationTests(DatabaseEngine engine) : EngineFixture(engine)
{
    [Test]
    public async Task MemberCannotCreateUsers()
    {
        var project = Unique("proj");
        var user = Unique("member");
        await UserWithRoleAsync(project, user, "pw", "member");
        var token = await Server.TokenAsync(user, "pw", project);
        var (status, body, _) = await Server.SendAsync(HttpMethod.Post, "/identity/v3/users", token,
            new JsonObject { ["user"] = new JsonObject { ["name"] = Unique("x") } });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(body!["error"]!["message"]!.GetValue<string>(), Does.Contain("identity:create_user"));
    }

    [Test]
    public async Task NoRoleOnProjectMeansNoTokenForIt()
    {
        var user = Unique("member");
        await UserWithRoleAsync(Unique("proj"), user, "pw", "member");
        var response = await Server.IssueAsync(user, "pw", "admin");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task DisablingAUserEndsItsTokensAndLogins()
    {
        var project = Unique("proj");
        var user = Unique("member");
        var (_, userId) = await UserWithRoleAsync(project, user, "pw", "member");
        var token = await Server.TokenAsync(user, "pw", project);
        Assert.That((await Server.SendAsync(HttpMethod.Get, "/identity/v3/auth/projects", token)).Status, Is.EqualTo(HttpStatusCode.OK));

        await Server.SendAsync(new HttpMethod("PATCH"), $"/identity/v3/users/{userId}", AdminToken, new JsonObject { ["user"] = new JsonObject { ["enabled"] = false } });
        Assert.That((await Server.SendAsync(HttpMethod.Get, "/identity/v3/auth/projects", token)).Status, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await Server.IssueAsync(user, "pw", project)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));

        // Enabling again lets the user log in, but the old token stays dead.
        await Server.SendAsync(new HttpMethod("PATCH"), $"/identity/v3/users/{userId}", AdminToken, new JsonObject { ["user"] = new JsonObject { ["enabled"] = true } });
        Assert.That((await Server.IssueAsync(user, "pw", project)).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That((await Server.SendAsync(HttpMethod.Get, "/identity/v3/auth/projects", token)).Status, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task DeletedUsersTokenIsRefused()
    {
        var project = Unique("proj");
        var user = Unique("member");
        var (_, userId) = await UserWithRoleAsync(project, user, "pw", "member");
        var token = await Server.TokenAsync(user, "pw", project);
        Assert.That((await Server.SendAsync(HttpMethod.Delete, $"/identity/v3/users/{userId}", AdminToken)).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await Server.SendAsync(HttpMethod.Get, "/identity/v3/auth/projects", token)).Status, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task RemovingARoleTakesEffectAtOnce()
    {
        var project = Unique("proj");
        var user = Unique("member");
        var (projectId, userId) = await UserWithRoleAsync(project, user, "pw", "member");
        var token = await Server.TokenAsync(user, "pw", project);
        var (_, roles, _) = await Server.SendAsync(HttpMethod.Get, "/identity/v3/roles?name=member", AdminToken);
        var roleId = roles!["roles"]![0]!["id"]!.GetValue<string>();
        await Server.SendAsync(HttpMethod.Delete, $"/identity/v3/projects/{projectId}/users/{userId}/roles/{roleId}", AdminToken);
        Assert.That((await Server.SendAsync(HttpMethod.Get, "/identity/v3/auth/projects", token)).Status, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task OwnPasswordChangeNeedsTheOldPasswordAndEndsOldTokens()
    {
        var project = Unique("proj");
        var user = Unique("member");
        var (_, userId) = await UserWithRoleAsync(project, user, "old-pw", "member");
        var token = await Server.TokenAsync(user, "old-pw", project);

        var wrong = await Server.SendAsync(HttpMethod.Post, $"/identity/v3/users/{userId}/password", token,
            new JsonObject { ["user"] = new JsonObject { ["original_password"] = "nope", ["password"] = "new-pw" } });
        Assert.That(wrong.Status, Is.EqualTo(HttpStatusCode.Unauthorized));

        var changed = await Server.SendAsync(HttpMethod.Post, $"/identity/v3/users/{userId}/password", token,
            new JsonObject { ["user"] = new JsonObject { ["original_password"] = "old-pw", ["password"] = "new-pw" } });
        Assert.That(changed.Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await Server.IssueAsync(user, "old-pw", project)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await Server.IssueAsync(user, "new-pw", project)).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That((await Server.SendAsync(HttpMethod.Get, "/identity/v3/auth/projects", token)).Status, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task UserCannotChangeSomeoneElsesPassword()
    {
        var project = Unique("proj");
        var user = Unique("member");
        await UserWithRoleAsync(project, user, "pw", "member");
        var token = await Server.TokenAsync(user, "pw", project);
        var (_, admins, _) = await Server.SendAsync(HttpMethod.Get, "/identity/v3/users?name=admin", AdminToken);
        var adminId = admins!["users"]![0]!["id"]!.GetValue<string>();
        var attempt = await Server.SendAsync(HttpMethod.Post, $"/identity/v3/users/{adminId}/password", token,
            new JsonObject { ["user"] = new JsonObject { ["original_password"] = TestCloud.AdminPassword, ["password"] = "pwned" } });
        Assert.That(attempt.Status, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task GroupMembershipGrantsTheGroupsRoles()
    {
        var (_, project, _) = await Server.SendAsync(HttpMethod.Post, "/identity/v3/projects", AdminToken, new JsonObject { ["project"] = new JsonObject { ["name"] = Unique("gp") } });
        var projectId = project!["project"]!["id"]!.GetValue<string>();
        var projectName = project["project"]!["name"]!.GetValue<string>();
        var user = Unique("u");
        var (_, created, _) = await Server.SendAsync(HttpMethod.Post, "/identity/v3/users", AdminToken, new JsonObject { ["user"] = new JsonObject { ["name"] = user, ["password"] = "pw" } });
        var userId = created!["user"]!["id"]!.GetValue<string>();
        var (_, group, _) = await Server.SendAsync(HttpMethod.Post, "/identity/v3/groups", AdminToken, new JsonObject { ["group"] = new JsonObject { ["name"] = Unique("g") } });
        var groupId = group!["group"]!["id"]!.GetValue<string>();
        var (_, roles, _) = await Server.SendAsync(HttpMethod.Get, "/identity/v3/roles?name=reader", AdminToken);
        var readerId = roles!["roles"]![0]!["id"]!.GetValue<string>();

        await Server.SendAsync(HttpMethod.Put, $"/identity/v3/projects/{projectId}/groups/{groupId}/roles/{readerId}", AdminToken);
        Assert.That((await Server.IssueAsync(user, "pw", projectName)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "not yet a member");
        Assert.That((await Server.SendAsync(HttpMethod.Put, $"/identity/v3/groups/{groupId}/users/{userId}", AdminToken)).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await Server.SendAsync(HttpMethod.Head, $"/identity/v3/groups/{groupId}/users/{userId}", AdminToken)).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await Server.IssueAsync(user, "pw", projectName)).StatusCode, Is.EqualTo(HttpStatusCode.Created));

        var (_, effective, _) = await Server.SendAsync(HttpMethod.Get, $"/identity/v3/role_assignments?effective&user.id={userId}&include_names", AdminToken);
        var assignment = effective!["role_assignments"]!.AsArray().Single()!;
        Assert.Multiple(() =>
        {
            Assert.That(assignment["user"]!["id"]!.GetValue<string>(), Is.EqualTo(userId));
            Assert.That(assignment["role"]!["name"]!.GetValue<string>(), Is.EqualTo("reader"));
            Assert.That(assignment["scope"]!["project"]!["name"]!.GetValue<string>(), Is.EqualTo(projectName));
            Assert.That(assignment["links"]!["membership"]!.GetValue<string>(), Does.EndWith($"/groups/{groupId}/users/{userId}"));
        });
    }

    [Test]
    public async Task InheritedDomainGrantReachesEveryProjectOfTheDomain()
    {
        var user = Unique("u");
        var (_, created, _) = await Server.SendAsync(HttpMethod.Post, "/identity/v3/users", AdminToken, new JsonObject { ["user"] = new JsonObject { ["name"] = user, ["password"] = "pw" } });
        var userId = created!["user"]!["id"]!.GetValue<string>();
        var (_, roles, _) = await Server.SendAsync(HttpMethod.Get, "/identity/v3/roles?name=member", AdminToken);
        var memberId = roles!["roles"]![0]!["id"]!.GetValue<string>();
        var grant = await Server.SendAsync(HttpMethod.Put, $"/identity/v3/OS-INHERIT/domains/default/users/{userId}/roles/{memberId}/inherited_to_projects", AdminToken);
        Assert.That(grant.Status, Is.EqualTo(HttpStatusCode.NoContent));
        var projectName = Unique("inh");
        await Server.SendAsync(HttpMethod.Post, "/identity/v3/projects", AdminToken, new JsonObject { ["project"] = new JsonObject { ["name"] = projectName } });
        Assert.That((await Server.IssueAsync(user, "pw", projectName)).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        await Server.SendAsync(HttpMethod.Delete, $"/identity/v3/OS-INHERIT/domains/default/users/{userId}/roles/{memberId}/inherited_to_projects", AdminToken);
        Assert.That((await Server.IssueAsync(user, "pw", projectName)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }
}
