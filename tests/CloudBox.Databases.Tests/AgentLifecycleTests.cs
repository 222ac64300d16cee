using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Databases.Agent;
using CloudBox.Databases.Api;
using CloudBox.Databases.Guest;
using CloudBox.Databases.Instances;
using CloudBox.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CloudBox.Databases.Tests;

/// <summary>
/// A database instance from create to delete with a real agent and a real PostgreSQL 15: the server,
/// volume and security group appear in their modules, the agent (the same code as <c>cloudbox
/// guest-agent</c>, run on this host because guests here cannot run user space) takes its secret from
/// the server's user data as cloud-init would write it, prepares the cluster, and the users it made log
/// in over TCP with their passwords.
/// </summary>
[TestFixture(DatabaseEngine.Sqlite)]
public class AgentLifecycleTests(DatabaseEngine engine) : DatabasesFixture(engine)
{
    private string _dataDir = "";
    private CancellationTokenSource? _agentStop;
    private Task? _agent;
    private AgentConfig? _config;

    [SetUp]
    public void RequirePostgres()
    {
        if (!Directory.Exists("/usr/lib/postgresql"))
            Assert.Ignore("PostgreSQL's binaries (Debian's postgresql package) are not installed: the agent cannot run a datastore here");
    }

    [TearDown]
    public async Task StopAgent()
    {
        if (_agentStop is not null)
        {
            var (stop, loop) = (_agentStop, _agent!);
            _agentStop = null;
            await StopAgentAsync(stop, loop);
        }
        await RemovePostgresDataAsync(_dataDir);
    }

    [Test]
    public async Task InstanceIsBuiltPreparedByItsAgentUsedAndDeletedWithEverythingItMade()
    {
        var users = new JsonArray(new JsonObject { ["name"] = "u1", ["password"] = "pw-1'x", ["databases"] = new JsonArray(new JsonObject { ["name"] = "db1" }) });
        var (created, body, _) = await Member(HttpMethod.Post, "/instances", CreateBody("pg-1", new JsonArray(new JsonObject { ["name"] = "db1" }), users));
        Assert.That(created, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        var id = body!["instance"]!["id"]!.GetValue<string>();
        Assert.That(body["instance"]!["status"]!.GetValue<string>(), Is.EqualTo("BUILD"));

        // The control plane builds the server, its volume and security group, then waits for the agent.
        var instances = Cloud.Services.GetRequiredService<InstanceStore>();
        await WaitUntilAsync(async () => (await instances.FindAsync(id, CancellationToken.None))!.Step == InstanceSteps.Agent, "the instance waits for its agent");
        var record = (await instances.FindAsync(id, CancellationToken.None))!;
        var (serverStatus, server, _) = await Cloud.SendAsync(HttpMethod.Get, $"/compute/v2.1/servers/{record.ServerId}", MemberToken);
        Assert.That(serverStatus, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(server!["server"]!["status"]!.GetValue<string>(), Is.EqualTo("ACTIVE"));
        var (_, volume, _) = await Cloud.SendAsync(HttpMethod.Get, $"/volume/v3/{ProjectId}/volumes/{record.VolumeId}", MemberToken);
        Assert.That(volume!["volume"]!["status"]!.GetValue<string>(), Is.EqualTo("in-use"));
        var (groupStatus, _, _) = await Cloud.SendAsync(HttpMethod.Get, $"/network/v2.0/security-groups/{record.SecurityGroupId}", MemberToken);
        Assert.That(groupStatus, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await WaitInstanceAsync(id, _ => true))["status"]!.GetValue<string>(), Is.EqualTo("BUILD"));

        // The agent reads the configuration CloudBox gave the guest in its user data.
        _dataDir = Path.Combine("/tmp", "cloudbox-agent-" + Guid.NewGuid().ToString("N")[..8]);
        _config = await AgentConfigFromUserDataAsync(record.ServerId!, _dataDir);
        Assert.That(_config.InstanceId, Is.EqualTo(id));
        (_agentStop, _agent) = StartAgent(_config, new PostgresDriver(_config));

        var active = await WaitInstanceAsync(id, i => i["status"]!.GetValue<string>() == "ACTIVE", 120);
        Assert.That(active["datastore"]!["type"]!.GetValue<string>(), Is.EqualTo("postgresql"));
        Assert.That(active["volume"]!["size"]!.GetValue<int>(), Is.EqualTo(1));
        await WaitInstanceAsync(id, i => i["operating_status"]!.GetValue<string>() == "HEALTHY");

        var (_, databases, _) = await Member(HttpMethod.Get, $"/instances/{id}/databases");
        Assert.That(Names(databases!["databases"]), Is.EqualTo(new[] { "db1" }));
        var (_, userList, _) = await Member(HttpMethod.Get, $"/instances/{id}/users");
        var u1 = userList!["users"]!.AsArray().Single(u => u!["name"]!.GetValue<string>() == "u1")!;
        Assert.That(Names(u1["databases"]), Is.EqualTo(new[] { "db1" }));

        // u1 logs in over TCP with its password and uses its database.
        Assert.That(await ScalarAsync("u1", "pw-1'x", "db1", "CREATE TABLE t (v int); INSERT INTO t VALUES (41), (1); SELECT SUM(v) FROM t"), Is.EqualTo(42));

        Assert.That((await Member(HttpMethod.Post, $"/instances/{id}/databases", new JsonObject { ["databases"] = new JsonArray(new JsonObject { ["name"] = "db2" }) })).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That((await Member(HttpMethod.Post, $"/instances/{id}/users", new JsonObject { ["users"] = new JsonArray(new JsonObject { ["name"] = "u2", ["password"] = "pw2" }) })).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(Names((await Member(HttpMethod.Get, $"/instances/{id}/databases")).Body!["databases"]), Is.EqualTo(new[] { "db1", "db2" }));

        // Access is by grant only: u2 reaches db1 once granted, and not after the revoke.
        Assert.ThrowsAsync<PostgresException>(async () => await ScalarAsync("u2", "pw2", "db1", "SELECT 1"));
        Assert.That((await Member(HttpMethod.Put, $"/instances/{id}/users/u2/databases", new JsonObject { ["databases"] = new JsonArray(new JsonObject { ["name"] = "db1" }) })).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(await ScalarAsync("u2", "pw2", "db1", "SELECT 1"), Is.EqualTo(1));
        Assert.That(Names((await Member(HttpMethod.Get, $"/instances/{id}/users/u2/databases")).Body!["databases"]), Is.EqualTo(new[] { "db1" }));
        Assert.That((await Member(HttpMethod.Delete, $"/instances/{id}/users/u2/databases/db1")).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.ThrowsAsync<PostgresException>(async () => await ScalarAsync("u2", "pw2", "db1", "SELECT 1"));

        // A user operation the datastore refuses comes back as a 400 with the agent's message.
        var (grantMissing, fault, _) = await Member(HttpMethod.Put, $"/instances/{id}/users/nobody/databases", new JsonObject { ["databases"] = new JsonArray(new JsonObject { ["name"] = "db1" }) });
        Assert.That(grantMissing, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(fault!["badRequest"]!["message"]!.GetValue<string>(), Does.Contain("nobody"));

        // Root: a fresh superuser password that works, and the instance remembers root was enabled.
        Assert.That((await Member(HttpMethod.Get, $"/instances/{id}/root")).Body!["rootEnabled"]!.GetValue<bool>(), Is.False);
        var (_, root, _) = await Member(HttpMethod.Post, $"/instances/{id}/root");
        Assert.That(root!["user"]!["name"]!.GetValue<string>(), Is.EqualTo("postgres"));
        Assert.That(await ScalarAsync("postgres", root["user"]!["password"]!.GetValue<string>(), "postgres", "SELECT 7"), Is.EqualTo(7));
        Assert.That((await Member(HttpMethod.Get, $"/instances/{id}/root")).Body!["rootEnabled"]!.GetValue<bool>(), Is.True);

        // Restart: REBOOT until the agent has restarted PostgreSQL, then ACTIVE, and the data is still there.
        Assert.That((await Member(HttpMethod.Post, $"/instances/{id}/action", new JsonObject { ["restart"] = new JsonObject() })).Status, Is.EqualTo(HttpStatusCode.Accepted));
        await WaitInstanceAsync(id, i => i["status"]!.GetValue<string>() == "ACTIVE", 120);
        Assert.That(await ScalarAsync("u1", "pw-1'x", "db1", "SELECT SUM(v) FROM t"), Is.EqualTo(42));

        // Delete: the server, the volume and the security group go, then the instance.
        Assert.That((await Member(HttpMethod.Delete, $"/instances/{id}")).Status, Is.EqualTo(HttpStatusCode.Accepted));
        await WaitUntilAsync(async () => (await Member(HttpMethod.Get, $"/instances/{id}")).Status == HttpStatusCode.NotFound, "the instance is gone", 120);
        Assert.That((await Cloud.SendAsync(HttpMethod.Get, $"/compute/v2.1/servers/{record.ServerId}", MemberToken)).Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await Cloud.SendAsync(HttpMethod.Get, $"/volume/v3/{ProjectId}/volumes/{record.VolumeId}", MemberToken)).Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await Cloud.SendAsync(HttpMethod.Get, $"/network/v2.0/security-groups/{record.SecurityGroupId}", MemberToken)).Status, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task AWrongAgentSecretIsRefused()
    {
        var (_, body, _) = await Member(HttpMethod.Post, "/instances", CreateBody(Unique("secret")));
        var id = body!["instance"]!["id"]!.GetValue<string>();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/database/agent/v1/{id}/heartbeat")
        {
            Content = new StringContent("{\"status\":\"running\"}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(AgentProtocol.SecretHeader, "not-the-secret");
        var response = await Cloud.Client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await Member(HttpMethod.Delete, $"/instances/{id}")).Status, Is.EqualTo(HttpStatusCode.Accepted));
    }

    [Test]
    public async Task ABuildCutShortByACrashResumesWithoutASecondServer()
    {
        Driver.HoldStarts();
        var name = Unique("crash");
        var (_, body, _) = await Member(HttpMethod.Post, "/instances", CreateBody(name));
        var id = body!["instance"]!["id"]!.GetValue<string>();
        var instances = Cloud.Services.GetRequiredService<InstanceStore>();
        await WaitUntilAsync(async () => (await instances.FindAsync(id, CancellationToken.None))!.Step == InstanceSteps.Attach, "the server is created");

        await Cloud.RestartAsync();
        Driver.ReleaseStarts();
        instances = Cloud.Services.GetRequiredService<InstanceStore>();
        await WaitUntilAsync(async () => (await instances.FindAsync(id, CancellationToken.None))!.Step == InstanceSteps.Agent, "the build resumes after the restart");
        var (_, servers, _) = await Cloud.SendAsync(HttpMethod.Get, $"/compute/v2.1/servers?name=trove-{id}", MemberToken);
        Assert.That(servers!["servers"]!.AsArray(), Has.Count.EqualTo(1));

        Assert.That((await Member(HttpMethod.Delete, $"/instances/{id}")).Status, Is.EqualTo(HttpStatusCode.Accepted));
        await WaitUntilAsync(async () => (await Member(HttpMethod.Get, $"/instances/{id}")).Status == HttpStatusCode.NotFound, "the instance is gone", 120);
    }

    private async Task<long> ScalarAsync(string user, string password, string database, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = _config!.Port, Username = user, Password = password, Database = database, Pooling = false,
        }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static IEnumerable<string> Names(JsonNode? list) => list!.AsArray().Select(d => d!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, int seconds = 60)
    {
        for (var i = 0; i < seconds * 10; i++)
        {
            if (await condition())
                return;
            await Task.Delay(100);
        }
        Assert.Fail($"timed out waiting until {what}");
    }
}
