using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Testing;

namespace CloudBox.Networking.Tests.Api;

/// <summary>Runs a test class once per database engine against a fresh cloud whose Network module keeps its hands off the kernel.</summary>
[TestFixture(DatabaseEngine.Sqlite)]
[TestFixture(DatabaseEngine.Postgres)]
public abstract class NetworkEngineFixture(DatabaseEngine engine)
{
    protected TestCloud Cloud { get; private set; } = null!;
    protected string AdminToken { get; private set; } = "";

    [OneTimeSetUp]
    public async Task StartCloud()
    {
        Cloud = await TestCloud.StartAsync(engine, new NetworkingModule(new NetworkSettings { DataPlane = false }));
        AdminToken = await Cloud.AdminTokenAsync();
    }

    [OneTimeTearDown]
    public async Task StopCloud() => await Cloud.DisposeAsync();

    protected static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    protected Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> Send(HttpMethod method, string path, JsonNode? body = null,
        string? token = null) =>
        Cloud.SendAsync(method, "/network/v2.0" + path, token ?? AdminToken, body);

    /// <summary>POSTs <c>{"member": attributes}</c> and returns the created resource; fails the test unless 201.</summary>
    protected async Task<JsonObject> Create(string path, string member, JsonObject attributes, string? token = null)
    {
        var (status, body, _) = await Send(HttpMethod.Post, path, new JsonObject { [member] = attributes }, token);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), body?.ToJsonString());
        return (JsonObject)body![member]!;
    }

    protected async Task<(JsonObject Network, JsonObject Subnet)> NetworkWithSubnet(string cidr, string? token = null, JsonObject? subnetExtra = null)
    {
        var network = await Create("/networks", "network", new JsonObject { ["name"] = Unique("net") }, token);
        var attributes = new JsonObject { ["network_id"] = Id(network), ["cidr"] = cidr, ["ip_version"] = 4 };
        foreach (var (name, value) in subnetExtra ?? [])
            attributes[name] = value?.DeepClone();
        var subnet = await Create("/subnets", "subnet", attributes, token);
        return (network, subnet);
    }

    protected static string Id(JsonNode resource) => resource["id"]!.GetValue<string>();

    /// <summary>Asserts the status and Neutron's fault body with its exception type.</summary>
    protected static void AssertFault((HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response) result, int status, string type)
    {
        Assert.That((int)result.Status, Is.EqualTo(status), result.Body?.ToJsonString());
        Assert.That(result.Body?["NeutronError"]?["type"]?.GetValue<string>(), Is.EqualTo(type), result.Body?.ToJsonString());
        Assert.That(result.Body!["NeutronError"]!["detail"]!.GetValue<string>(), Is.EqualTo(""));
    }

    /// <summary>A member token for a new project.</summary>
    protected async Task<(string Token, string ProjectId)> MemberAsync()
    {
        var name = Unique("proj");
        var (_, project, _) = await Cloud.SendAsync(HttpMethod.Post, "/identity/v3/projects", AdminToken,
            new JsonObject { ["project"] = new JsonObject { ["name"] = name } });
        var projectId = project!["project"]!["id"]!.GetValue<string>();
        var userName = Unique("user");
        var (_, user, _) = await Cloud.SendAsync(HttpMethod.Post, "/identity/v3/users", AdminToken,
            new JsonObject { ["user"] = new JsonObject { ["name"] = userName, ["password"] = "pw-member-1" } });
        var userId = user!["user"]!["id"]!.GetValue<string>();
        var (_, roles, _) = await Cloud.SendAsync(HttpMethod.Get, "/identity/v3/roles?name=member", AdminToken);
        var roleId = roles!["roles"]![0]!["id"]!.GetValue<string>();
        await Cloud.SendAsync(HttpMethod.Put, $"/identity/v3/projects/{projectId}/users/{userId}/roles/{roleId}", AdminToken);
        return (await Cloud.TokenAsync(userName, "pw-member-1", name), projectId);
    }
}
