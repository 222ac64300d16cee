using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Data;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Identity.Tests.Api;

public class CredentialTests(DatabaseEngine engine) : EngineFixture(engine)
{
    [Test]
    public async Task ApplicationCredentialAuthenticatesIntoItsProjectWithItsRoles()
    {
        var project = Unique("proj");
        var user = Unique("u");
        var (projectId, userId) = await UserWithRoleAsync(project, user, "pw", "member");
        var token = await Server.TokenAsync(user, "pw", project);
        var (status, created, _) = await Server.SendAsync(HttpMethod.Post, $"/identity/v3/users/{userId}/application_credentials", token,
            new JsonObject { ["application_credential"] = new JsonObject { ["name"] = "ci", ["roles"] = new JsonArray(new JsonObject { ["name"] = "reader" }) } });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created));
        var credential = created!["application_credential"]!;
        var secret = credential["secret"]!.GetValue<string>();

        var auth = new JsonObject
        {
            ["auth"] = new JsonObject
            {
                ["identity"] = new JsonObject
                {
                    ["methods"] = new JsonArray("application_credential"),
                    ["application_credential"] = new JsonObject { ["id"] = credential["id"]!.DeepClone(), ["secret"] = secret },
                },
            },
        };
        var (authStatus, body, _) = await Server.SendAsync(HttpMethod.Post, "/identity/v3/auth/tokens", null, auth);
        Assert.That(authStatus, Is.EqualTo(HttpStatusCode.Created));
        var tokenBody = body!["token"]!;
        Assert.Multiple(() =>
        {
            Assert.That(tokenBody["project"]!["id"]!.GetValue<string>(), Is.EqualTo(projectId));
            Assert.That(tokenBody["roles"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()), Is.EquivalentTo(new[] { "reader" }));
            Assert.That(tokenBody["application_credential"]!["restricted"]!.GetValue<bool>(), Is.True);
            Assert.That(tokenBody["methods"]![0]!.GetValue<string>(), Is.EqualTo("application_credential"));
        });

        auth["auth"]!["identity"]!["application_credential"]!["secret"] = "wrong";
        Assert.That((await Server.SendAsync(HttpMethod.Post, "/identity/v3/auth/tokens", null, auth)).Status, Is.EqualTo(HttpStatusCode.Unauthorized));

        var escalate = await Server.SendAsync(HttpMethod.Post, $"/identity/v3/users/{userId}/application_credentials", token,
            new JsonObject { ["application_credential"] = new JsonObject { ["name"] = "x", ["roles"] = new JsonArray(new JsonObject { ["name"] = "admin" }) } });
        Assert.That(escalate.Status, Is.EqualTo(HttpStatusCode.Forbidden), "cannot delegate a role one does not hold");
    }

    [Test]
    public async Task Ec2CredentialsAreListedAndFoundByAccessKeyForS3()
    {
        var project = Unique("proj");
        var user = Unique("u");
        var (projectId, userId) = await UserWithRoleAsync(project, user, "pw", "member");
        var token = await Server.TokenAsync(user, "pw", project);
        var (status, created, _) = await Server.SendAsync(HttpMethod.Post, $"/identity/v3/users/{userId}/credentials/OS-EC2", token,
            new JsonObject { ["tenant_id"] = projectId });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created));
        var access = created!["credential"]!["access"]!.GetValue<string>();
        var secret = created["credential"]!["secret"]!.GetValue<string>();

        var (_, listed, _) = await Server.SendAsync(HttpMethod.Get, $"/identity/v3/users/{userId}/credentials/OS-EC2", token);
        Assert.That(listed!["credentials"]!.AsArray().Select(c => c!["access"]!.GetValue<string>()), Does.Contain(access));

        var source = Server.Services.GetRequiredService<IEc2CredentialSource>();
        var found = await source.FindAsync(access, CancellationToken.None);
        Assert.That(found, Is.EqualTo(new Ec2Credential(access, secret, userId, projectId)));

        var (_, generic, _) = await Server.SendAsync(HttpMethod.Get, "/identity/v3/credentials?type=ec2", token);
        Assert.That(generic!["credentials"]!.AsArray().Count, Is.EqualTo(1), "a member sees only their own credentials");

        Assert.That((await Server.SendAsync(HttpMethod.Delete, $"/identity/v3/users/{userId}/credentials/OS-EC2/{access}", token)).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(await source.FindAsync(access, CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task Ec2CredentialActsOnlyWhileItsUserHoldsARoleOnItsProject()
    {
        var project = Unique("proj");
        var user = Unique("u");
        var (projectId, userId) = await UserWithRoleAsync(project, user, "pw", "member");
        var token = await Server.TokenAsync(user, "pw", project);
        var (_, created, _) = await Server.SendAsync(HttpMethod.Post, $"/identity/v3/users/{userId}/credentials/OS-EC2", token,
            new JsonObject { ["tenant_id"] = projectId });
        var source = Server.Services.GetRequiredService<IEc2CredentialSource>();
        var credential = (await source.FindAsync(created!["credential"]!["access"]!.GetValue<string>(), CancellationToken.None))!;

        var caller = await source.AuthorizeAsync(credential, CancellationToken.None);
        Assert.That(caller, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(caller!.UserId, Is.EqualTo(userId));
            Assert.That(caller.ProjectId, Is.EqualTo(projectId));
            Assert.That(caller.HasRole("member"), Is.True);
        });

        var (_, roles, _) = await Server.SendAsync(HttpMethod.Get, "/identity/v3/roles?name=member", AdminToken);
        var roleId = roles!["roles"]![0]!["id"]!.GetValue<string>();
        await Server.SendAsync(HttpMethod.Delete, $"/identity/v3/projects/{projectId}/users/{userId}/roles/{roleId}", AdminToken);
        Assert.That(await source.AuthorizeAsync(credential, CancellationToken.None), Is.Null, "the secret still signs, but the user lost the project");
    }

    [Test]
    public async Task SecretsDoNotRestInTheDatabaseInClear()
    {
        var project = Unique("proj");
        var user = Unique("u");
        var (projectId, userId) = await UserWithRoleAsync(project, user, "pw", "member");
        var blob = "{\"access\":\"AKIDCLEAR\",\"secret\":\"VERYSECRETVALUE\"}";
        var (status, _, _) = await Server.SendAsync(HttpMethod.Post, "/identity/v3/credentials", AdminToken,
            new JsonObject { ["credential"] = new JsonObject { ["user_id"] = userId, ["project_id"] = projectId, ["type"] = "ec2", ["blob"] = blob } });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created));
        var database = Server.Services.GetRequiredService<Database>();
        await using var connection = await database.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT encrypted_blob FROM identity_credentials WHERE access_key = 'AKIDCLEAR'";
        var stored = (string)(await command.ExecuteScalarAsync())!;
        Assert.That(stored, Does.Not.Contain("VERYSECRETVALUE"));
    }
}
