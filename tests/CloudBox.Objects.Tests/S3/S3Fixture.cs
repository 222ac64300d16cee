using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Objects.Tests.S3;

/// <summary>An Objects cloud (per engine) with helpers to make projects whose users hold EC2 credentials.</summary>
public abstract class S3Fixture(DatabaseEngine engine) : ObjectsEngineFixture(engine)
{
    protected sealed record Account(string ProjectId, string UserId, S3TestClient S3);

    /// <summary>A new project and a user with <paramref name="role"/> on it, signing as that user's EC2 credential.</summary>
    protected async Task<Account> NewAccountAsync(string role = "member")
    {
        var (_, project, _) = await Cloud.SendAsync(HttpMethod.Post, "/identity/v3/projects", AdminToken,
            new JsonObject { ["project"] = new JsonObject { ["name"] = Unique("s3p") } });
        var projectId = project!["project"]!["id"]!.GetValue<string>();
        var (_, user, _) = await Cloud.SendAsync(HttpMethod.Post, "/identity/v3/users", AdminToken,
            new JsonObject { ["user"] = new JsonObject { ["name"] = Unique("s3u"), ["password"] = "pw" } });
        var userId = user!["user"]!["id"]!.GetValue<string>();
        await GrantAsync(projectId, userId, role);
        var (_, created, _) = await Cloud.SendAsync(HttpMethod.Post, $"/identity/v3/users/{userId}/credentials/OS-EC2", AdminToken,
            new JsonObject { ["tenant_id"] = projectId });
        var credential = created!["credential"]!;
        return new Account(projectId, userId, new S3TestClient(Cloud.S3Url, credential["access"]!.GetValue<string>(), credential["secret"]!.GetValue<string>()));
    }

    protected async Task GrantAsync(string projectId, string userId, string role, bool revoke = false)
    {
        var (_, roles, _) = await Cloud.SendAsync(HttpMethod.Get, $"/identity/v3/roles?name={role}", AdminToken);
        var roleId = roles!["roles"]![0]!["id"]!.GetValue<string>();
        await Cloud.SendAsync(revoke ? HttpMethod.Delete : HttpMethod.Put, $"/identity/v3/projects/{projectId}/users/{userId}/roles/{roleId}", AdminToken);
    }

    protected static string Bucket() => Unique("bkt");
}
