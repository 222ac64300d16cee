using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Orchestration.Tests;

/// <summary>
/// <c>OS::Keystone::Project</c>, <c>User</c>, <c>Role</c> and <c>UserRoleAssignment</c> against a real host:
/// made through Identity's API, their attributes, updates in place, removal with the stack, and
/// refusal for a stack of a non-admin.
/// </summary>
[TestFixture(DatabaseEngine.Sqlite)]
public class KeystoneResourceTests(DatabaseEngine engine) : HeatFixture(engine)
{
    private const string Template =
        """
        heat_template_version: 2018-08-31
        parameters:
          description: {type: string, default: first}
          email: {type: string, default: ann@example.org}
          role: {type: string, default: ks-viewer}
        resources:
          project: {type: OS::Keystone::Project, properties: {name: ks-proj, description: {get_param: description}, tags: [a, b]}}
          child: {type: OS::Keystone::Project, properties: {parent: {get_resource: project}}}
          viewer: {type: OS::Keystone::Role, properties: {name: {get_param: role}}}
          ann:
            type: OS::Keystone::User
            properties:
              name: ks-ann
              password: s3cret-ann
              email: {get_param: email}
              default_project: {get_resource: project}
              roles: [{role: member, project: {get_resource: project}}]
          grant:
            type: OS::Keystone::UserRoleAssignment
            properties:
              user: {get_resource: ann}
              roles: [{role: {get_resource: viewer}, project: {get_resource: child}}]
        outputs:
          project_name: {value: {get_attr: [project, name]}}
          child_parent: {value: {get_attr: [child, parent_id]}}
          ann_project: {value: {get_attr: [ann, default_project_id]}}
          role_name: {value: {get_attr: [viewer, name]}}
        """;

    private async Task<HashSet<string>> RoleNamesAsync(string projectId, string userId)
    {
        var (status, body, _) = await Cloud.SendAsync(HttpMethod.Get, $"/identity/v3/projects/{projectId}/users/{userId}/roles", Token);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        return body!["roles"]!.AsArray().Select(r => r!["name"]!.ToString()).ToHashSet();
    }

    [Test]
    public async Task ProjectsUsersRolesAndGrantsAreMadeUpdatedInPlaceAndRemovedWithTheStack()
    {
        var stack = await StackAsync("keystone", new JsonObject { ["stack_name"] = "keystone", ["template"] = Template }, "CREATE_COMPLETE");
        var project = await PhysicalIdAsync("keystone", "project");
        var child = await PhysicalIdAsync("keystone", "child");
        var user = await PhysicalIdAsync("keystone", "ann");
        var role = await PhysicalIdAsync("keystone", "viewer");

        var (_, shown, _) = await Cloud.SendAsync(HttpMethod.Get, $"/identity/v3/projects/{project}", Token);
        Assert.That(shown!["project"]!["name"]!.ToString(), Is.EqualTo("ks-proj"));
        Assert.That(shown["project"]!["description"]!.ToString(), Is.EqualTo("first"));
        Assert.That(shown["project"]!["tags"]!.ToJsonString(), Is.EqualTo("[\"a\",\"b\"]"));
        Assert.That(Output(stack, "project_name"), Is.EqualTo("ks-proj"));
        Assert.That(Output(stack, "child_parent"), Is.EqualTo(project), "the child is made under its parent");
        Assert.That(Output(stack, "ann_project"), Is.EqualTo(project));
        Assert.That(Output(stack, "role_name"), Is.EqualTo("ks-viewer"));
        Assert.That(await RoleNamesAsync(project, user), Is.EquivalentTo(new[] { "member" }));
        Assert.That(await RoleNamesAsync(child, user), Is.EquivalentTo(new[] { "ks-viewer" }));
        // The user signs in with the template's password, scoped to the stack's project.
        Assert.That(await Cloud.TokenAsync("ks-ann", "s3cret-ann", "ks-proj"), Is.Not.Empty);

        var parameters = new JsonObject { ["description"] = "second", ["email"] = "ann@example.com", ["role"] = "ks-auditor" };
        stack = await StackAsync("keystone", new JsonObject { ["template"] = Template, ["parameters"] = parameters.DeepClone() }, "UPDATE_COMPLETE", HttpMethod.Put, stack["id"]!.ToString());
        Assert.That(await PhysicalIdAsync("keystone", "project"), Is.EqualTo(project), "the description changes in place");
        Assert.That(await PhysicalIdAsync("keystone", "ann"), Is.EqualTo(user), "the email changes in place");
        Assert.That(await PhysicalIdAsync("keystone", "viewer"), Is.EqualTo(role), "a role is renamed in place");
        (_, shown, _) = await Cloud.SendAsync(HttpMethod.Get, $"/identity/v3/projects/{project}", Token);
        Assert.That(shown!["project"]!["description"]!.ToString(), Is.EqualTo("second"));
        var (_, shownUser, _) = await Cloud.SendAsync(HttpMethod.Get, $"/identity/v3/users/{user}", Token);
        Assert.That(shownUser!["user"]!["email"]!.ToString(), Is.EqualTo("ann@example.com"));
        Assert.That(Output(stack, "role_name"), Is.EqualTo("ks-auditor"));
        Assert.That(await RoleNamesAsync(child, user), Is.EquivalentTo(new[] { "ks-auditor" }));

        // Granting another role on the child by difference: the old grant stays, the new one is added.
        var more = Template.Replace("roles: [{role: {get_resource: viewer}, project: {get_resource: child}}]",
            "roles: [{role: {get_resource: viewer}, project: {get_resource: child}}, {role: member, project: {get_resource: child}}]", StringComparison.Ordinal);
        await StackAsync("keystone", new JsonObject { ["template"] = more, ["parameters"] = parameters.DeepClone() }, "UPDATE_COMPLETE", HttpMethod.Put, stack["id"]!.ToString());
        Assert.That(await RoleNamesAsync(child, user), Is.EquivalentTo(new[] { "ks-auditor", "member" }));

        await Cloud.SendAsync(HttpMethod.Delete, Url($"/stacks/keystone/{stack["id"]}"), Token);
        for (var i = 0; i < 300 && (await Cloud.SendAsync(HttpMethod.Get, Url("/stacks/keystone"), Token)).Status != HttpStatusCode.NotFound; i++)
            await Task.Delay(100);
        foreach (var gone in new[] { $"projects/{project}", $"projects/{child}", $"users/{user}", $"roles/{role}" })
            Assert.That((await Cloud.SendAsync(HttpMethod.Get, $"/identity/v3/{gone}", Token)).Status, Is.EqualTo(HttpStatusCode.NotFound), gone);
    }

    [Test]
    public async Task AGrantOfAnExistingUserIsRevokedWhenItsResourceIsDeleted()
    {
        var (projectId, userId) = await Cloud.CreateUserWithRoleAsync(Token, "ks-existing", "ks-bob", "pw-bob-123", "member");
        const string template =
            """
            heat_template_version: 2018-08-31
            resources:
              grant: {type: OS::Keystone::UserRoleAssignment, properties: {user: ks-bob, roles: [{role: admin, project: ks-existing}]}}
            """;
        var stack = await StackAsync("grants", new JsonObject { ["stack_name"] = "grants", ["template"] = template }, "CREATE_COMPLETE");
        Assert.That(await RoleNamesAsync(projectId, userId), Is.EquivalentTo(new[] { "member", "admin" }));
        await Cloud.SendAsync(HttpMethod.Delete, Url($"/stacks/grants/{stack["id"]}"), Token);
        for (var i = 0; i < 300 && (await Cloud.SendAsync(HttpMethod.Get, Url("/stacks/grants"), Token)).Status != HttpStatusCode.NotFound; i++)
            await Task.Delay(100);
        Assert.That(await RoleNamesAsync(projectId, userId), Is.EquivalentTo(new[] { "member" }), "only the stack's grant is revoked; the user stays");
    }

    [Test]
    public async Task AUsersGroupsChangeByDifferenceInPlace()
    {
        var groups = new List<string>();
        foreach (var name in new[] { "ks-team-a", "ks-team-b" })
        {
            var (status, group, _) = await Cloud.SendAsync(HttpMethod.Post, "/identity/v3/groups", Token, new JsonObject { ["group"] = new JsonObject { ["name"] = name } });
            Assert.That(status, Is.EqualTo(HttpStatusCode.Created), group?.ToJsonString());
            groups.Add(group!["group"]!["id"]!.ToString());
        }
        async Task<bool> MemberAsync(string group, string user)
        {
            var (_, members, _) = await Cloud.SendAsync(HttpMethod.Get, $"/identity/v3/groups/{group}/users", Token);
            return members!["users"]!.AsArray().Any(u => u!["id"]!.ToString() == user);
        }
        const string template = "heat_template_version: 2018-08-31\nresources:\n  dan: {type: OS::Keystone::User, properties: {name: ks-dan, groups: GROUPS}}\n";
        var stack = await StackAsync("members", new JsonObject { ["stack_name"] = "members", ["template"] = template.Replace("GROUPS", "[ks-team-a]", StringComparison.Ordinal) }, "CREATE_COMPLETE");
        var user = await PhysicalIdAsync("members", "dan");
        Assert.That(await MemberAsync(groups[0], user), Is.True);
        Assert.That(await MemberAsync(groups[1], user), Is.False);

        await StackAsync("members", new JsonObject { ["template"] = template.Replace("GROUPS", "[ks-team-b]", StringComparison.Ordinal) }, "UPDATE_COMPLETE", HttpMethod.Put, stack["id"]!.ToString());
        Assert.That(await PhysicalIdAsync("members", "dan"), Is.EqualTo(user), "groups change in place");
        Assert.That(await MemberAsync(groups[0], user), Is.False, "left the group no longer named");
        Assert.That(await MemberAsync(groups[1], user), Is.True, "joined the new one");
    }

    [Test]
    public async Task AStackOfANonAdminUsingKeystoneTypesIsRefusedWithTheReason()
    {
        var (projectId, _) = await Cloud.CreateUserWithRoleAsync(Token, "ks-plain", "ks-carol", "pw-carol-123", "member");
        var token = await Cloud.TokenAsync("ks-carol", "pw-carol-123", "ks-plain");
        foreach (var type in new[] { "OS::Keystone::Project", "OS::Keystone::User", "OS::Keystone::Role" })
        {
            var template = $"heat_template_version: 2018-08-31\nresources:\n  it: {{type: \"{type}\"}}\n";
            var (status, body, _) = await Cloud.SendAsync(HttpMethod.Post, $"/orchestration/v1/{projectId}/stacks", token,
                new JsonObject { ["stack_name"] = "ks-denied", ["template"] = template });
            Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), body?.ToJsonString());
            Assert.That(body!["error"]!["message"]!.ToString(), Does.Contain(type).And.Contain("administrators"));
        }
        var (_, types, _) = await Cloud.SendAsync(HttpMethod.Get, $"/orchestration/v1/{projectId}/resource_types", token);
        Assert.That(types!["resource_types"]!.AsArray().Select(t => t!.ToString()), Has.None.StartsWith("OS::Keystone::"), "a non-admin is not offered them");
        (_, types, _) = await Cloud.SendAsync(HttpMethod.Get, Url("/resource_types"), Token);
        Assert.That(types!["resource_types"]!.AsArray().Select(t => t!.ToString()),
            Is.SupersetOf(new[] { "OS::Keystone::Project", "OS::Keystone::User", "OS::Keystone::Role", "OS::Keystone::UserRoleAssignment" }));
    }
}
