using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Objects.Tests.Swift;

/// <summary>Swift test helpers over the shared fixture: the admin's account URL and raw requests with headers.</summary>
public abstract class SwiftFixture(DatabaseEngine engine) : ObjectsEngineFixture(engine)
{
    protected string AdminProjectId { get; private set; } = "";

    /// <summary>"/object-store/v1/AUTH_admin-project-id".</summary>
    protected string Account { get; private set; } = "";

    [OneTimeSetUp]
    public async Task FindAdminProject()
    {
        AdminProjectId = await ProjectIdOfAsync(AdminToken);
        Account = AccountOf(AdminProjectId);
    }

    protected static string AccountOf(string projectId) => "/object-store/v1/AUTH_" + projectId;

    protected async Task<string> ProjectIdOfAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/identity/v3/auth/tokens");
        request.Headers.Add("X-Auth-Token", AdminToken);
        request.Headers.Add("X-Subject-Token", token);
        using var response = await Cloud.Client.SendAsync(request);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return body["token"]!["project"]!["id"]!.GetValue<string>();
    }

    /// <summary>Sends a request; <paramref name="body"/> as bytes (a string is UTF-8), extra headers as pairs.</summary>
    protected async Task<HttpResponseMessage> SendAsync(string method, string path, string? token, object? body = null, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (token is not null)
            request.Headers.Add("X-Auth-Token", token);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body is string text ? Encoding.UTF8.GetBytes(text) : (byte[])body);
            request.Content.Headers.ContentType = null;
        }
        foreach (var (name, value) in headers)
        {
            if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) && request.Content is not null)
            {
                request.Content.Headers.Remove(name);
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
            else
                request.Headers.TryAddWithoutValidation(name, value);
        }
        return await Cloud.Client.SendAsync(request);
    }

    protected async Task<string> CreateContainerAsync(string? name = null, params (string Name, string Value)[] headers)
    {
        name ??= Unique("c");
        using var response = await SendAsync("PUT", $"{Account}/{name}", AdminToken, headers: headers);
        Assert.That((int)response.StatusCode, Is.EqualTo(201), await response.Content.ReadAsStringAsync());
        return name;
    }

    protected async Task PutObjectAsync(string container, string name, string content, params (string Name, string Value)[] headers)
    {
        using var response = await SendAsync("PUT", $"{Account}/{container}/{name}", AdminToken, content, headers);
        Assert.That((int)response.StatusCode, Is.EqualTo(201), await response.Content.ReadAsStringAsync());
    }

    protected async Task<string> GetTextAsync(string path, string? token)
    {
        using var response = await SendAsync("GET", path, token);
        Assert.That((int)response.StatusCode, Is.EqualTo(200), path);
        return await response.Content.ReadAsStringAsync();
    }

    protected static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values)
        : response.Content.Headers.TryGetValues(name, out values) ? string.Join(",", values) : "";

    protected static string Md5(string text) => Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>Creates a project and a user holding <paramref name="role"/> on it; returns the user's token and the project id.</summary>
    protected async Task<(string Token, string ProjectId, string UserName)> MemberAsync(string role = "member")
    {
        var projectName = Unique("proj");
        var userName = Unique("user");
        var (_, project, _) = await Cloud.SendAsync(HttpMethod.Post, "/identity/v3/projects", AdminToken,
            new JsonObject { ["project"] = new JsonObject { ["name"] = projectName } });
        var projectId = project!["project"]!["id"]!.GetValue<string>();
        var (_, user, _) = await Cloud.SendAsync(HttpMethod.Post, "/identity/v3/users", AdminToken,
            new JsonObject { ["user"] = new JsonObject { ["name"] = userName, ["password"] = "pw" } });
        var userId = user!["user"]!["id"]!.GetValue<string>();
        var (_, roles, _) = await Cloud.SendAsync(HttpMethod.Get, $"/identity/v3/roles?name={role}", AdminToken);
        var roleId = roles!["roles"]![0]!["id"]!.GetValue<string>();
        await Cloud.SendAsync(HttpMethod.Put, $"/identity/v3/projects/{projectId}/users/{userId}/roles/{roleId}", AdminToken);
        return (await Cloud.TokenAsync(userName, "pw", projectName), projectId, userName);
    }

    protected static MediaTypeHeaderValue? ContentTypeOf(HttpResponseMessage response) => response.Content.Headers.ContentType;
}
