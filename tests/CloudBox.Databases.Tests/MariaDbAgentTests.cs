using System.Diagnostics;
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

namespace CloudBox.Databases.Tests;

/// <summary>
/// A MariaDB 10.11 instance with a real agent and Debian's real <c>mariadbd</c>, run by the agent as a
/// private process on a temporary data directory and port (guests here cannot run user space): the
/// datastore version registered as Trove's <c>mariadb</c>, the security group opening 3306, databases
/// with their character set, users for host '%' who log in over TCP with the <c>mariadb</c> client,
/// grants, root, restart, and a repeated task that changes nothing.
/// </summary>
[TestFixture(DatabaseEngine.Sqlite)]
public class MariaDbAgentTests(DatabaseEngine engine) : DatabasesFixture(engine)
{
    private string _dataDir = "";
    private CancellationTokenSource? _agentStop;
    private Task? _agent;
    private AgentConfig? _config;

    [OneTimeSetUp]
    public async Task RegisterMariaDb()
    {
        var (created, version, _) = await Trove(HttpMethod.Post, AdminProjectId, "/mgmt/datastore-versions", AdminToken, new JsonObject
        {
            ["version"] = new JsonObject
            {
                ["name"] = "10.11", ["datastore_name"] = "mariadb", ["datastore_manager"] = "mariadb", ["image"] = ImageId, ["active"] = true, ["default"] = true,
            },
        });
        Assert.That(created, Is.EqualTo(HttpStatusCode.Accepted), version?.ToJsonString());
    }

    [SetUp]
    public void RequireMariaDb()
    {
        if (!File.Exists("/usr/sbin/mariadbd") || !File.Exists("/usr/bin/mariadb-install-db"))
            Assert.Ignore("MariaDB's server (Debian's mariadb-server package) is not installed: the agent cannot run a datastore here");
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
        if (_config is not null)
            await new MariaDbDriver(_config).StopAsync(CancellationToken.None);
        if (_dataDir.Length > 0 && Directory.Exists(_dataDir))
            Directory.Delete(_dataDir, recursive: true);
    }

    [Test]
    public async Task MariaDbInstanceIsPreparedByItsAgentAndItsUsersLogInOverTcp()
    {
        var (created, body, _) = await Member(HttpMethod.Post, "/instances", new JsonObject
        {
            ["instance"] = new JsonObject
            {
                ["name"] = Unique("maria"),
                ["flavorRef"] = "m1.tiny",
                ["volume"] = new JsonObject { ["size"] = 1 },
                ["datastore"] = new JsonObject { ["type"] = "mariadb", ["version"] = "10.11" },
                ["access"] = new JsonObject { ["allowed_cidrs"] = new JsonArray("100.64.0.0/10") },
                ["databases"] = new JsonArray(new JsonObject { ["name"] = "db_1", ["character_set"] = "latin1", ["collate"] = "latin1_swedish_ci" }),
                ["users"] = new JsonArray(new JsonObject { ["name"] = "u1", ["password"] = "pw-1'x\\", ["databases"] = new JsonArray(new JsonObject { ["name"] = "db_1" }) }),
            },
        });
        Assert.That(created, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        var id = body!["instance"]!["id"]!.GetValue<string>();
        Assert.That(body["instance"]!["datastore"]!["type"]!.GetValue<string>(), Is.EqualTo("mariadb"));

        var instances = Cloud.Services.GetRequiredService<InstanceStore>();
        await WaitUntilAsync(async () => (await instances.FindAsync(id, CancellationToken.None))!.Step == InstanceSteps.Agent, "the instance waits for its agent");
        var record = (await instances.FindAsync(id, CancellationToken.None))!;
        var (_, rules, _) = await Cloud.SendAsync(HttpMethod.Get, $"/network/v2.0/security-group-rules?security_group_id={record.SecurityGroupId}", MemberToken);
        Assert.That(rules!["security_group_rules"]!.AsArray().Where(r => r!["direction"]!.GetValue<string>() == "ingress" && r["port_range_min"] is not null)
            .Select(r => r!["port_range_min"]!.GetValue<int>()), Is.Not.Empty.And.All.EqualTo(3306), "the security group opens MariaDB's port only");

        _dataDir = Path.Combine("/tmp", "cloudbox-maria-" + Guid.NewGuid().ToString("N")[..8]);
        _config = await AgentConfigFromUserDataAsync(record.ServerId!, _dataDir, c => Assert.That(c.Port, Is.EqualTo(3306)));
        Assert.That(_config.Manager, Is.EqualTo("mariadb"));
        (_agentStop, _agent) = StartAgent(_config, new MariaDbDriver(_config));
        await WaitInstanceAsync(id, i => i["status"]!.GetValue<string>() == "ACTIVE", 180);
        await WaitInstanceAsync(id, i => i["operating_status"]!.GetValue<string>() == "HEALTHY");

        // Databases as troveclient shows them, with their character set and collation; MariaDB's own are not listed.
        var (_, databases, _) = await Member(HttpMethod.Get, $"/instances/{id}/databases");
        var db1 = databases!["databases"]!.AsArray().Single()!;
        Assert.That(db1["name"]!.GetValue<string>(), Is.EqualTo("db_1"));
        Assert.That(db1["character_set"]!.GetValue<string>(), Is.EqualTo("latin1"));
        Assert.That(db1["collate"]!.GetValue<string>(), Is.EqualTo("latin1_swedish_ci"));
        var (_, users, _) = await Member(HttpMethod.Get, $"/instances/{id}/users");
        var u1 = users!["users"]!.AsArray().Single()!;
        Assert.That(u1["name"]!.GetValue<string>(), Is.EqualTo("u1"));
        Assert.That(u1["host"]!.GetValue<string>(), Is.EqualTo("%"));
        Assert.That(Names(u1["databases"]), Is.EqualTo(new[] { "db_1" }));

        // u1 logs in over TCP with its password (quote and backslash in it) and uses its database.
        Assert.That(await SqlAsync("u1", "pw-1'x\\", "db_1", "CREATE TABLE t (v int); INSERT INTO t VALUES (41), (1); SELECT SUM(v) FROM t"), Is.EqualTo("42"));

        // A second database and user; access only by grant ('_' in a grant is no wildcard: db_1's grant does not open dbx1).
        Assert.That((await Member(HttpMethod.Post, $"/instances/{id}/databases", new JsonObject { ["databases"] = new JsonArray(new JsonObject { ["name"] = "dbx1" }) })).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That((await Member(HttpMethod.Post, $"/instances/{id}/users", new JsonObject { ["users"] = new JsonArray(new JsonObject { ["name"] = "u2", ["password"] = "pw2" }) })).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.ThrowsAsync<InvalidOperationException>(async () => await SqlAsync("u1", "pw-1'x\\", "dbx1", "SELECT 1"));
        Assert.ThrowsAsync<InvalidOperationException>(async () => await SqlAsync("u2", "pw2", "db_1", "SELECT 1"));
        Assert.That((await Member(HttpMethod.Put, $"/instances/{id}/users/u2/databases", new JsonObject { ["databases"] = new JsonArray(new JsonObject { ["name"] = "db_1" }) })).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(await SqlAsync("u2", "pw2", "db_1", "SELECT COUNT(*) FROM t"), Is.EqualTo("2"));
        Assert.That(Names((await Member(HttpMethod.Get, $"/instances/{id}/users/u2%40%25/databases")).Body!["databases"]), Is.EqualTo(new[] { "db_1" }));
        Assert.That((await Member(HttpMethod.Delete, $"/instances/{id}/users/u2/databases/db_1")).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.ThrowsAsync<InvalidOperationException>(async () => await SqlAsync("u2", "pw2", "db_1", "SELECT 1"));

        // Update: a new password and a new name, then delete.
        Assert.That((await Member(HttpMethod.Put, $"/instances/{id}/users/u2", new JsonObject { ["user"] = new JsonObject { ["name"] = "u3", ["password"] = "pw3" } })).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(await SqlAsync("u3", "pw3", null, "SELECT 5"), Is.EqualTo("5"));
        Assert.That((await Member(HttpMethod.Delete, $"/instances/{id}/users/u3")).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(Names((await Member(HttpMethod.Get, $"/instances/{id}/users")).Body!["users"]), Is.EqualTo(new[] { "u1" }));

        // Root: root@'%' with a fresh password over TCP, then gone again.
        var (_, root, _) = await Member(HttpMethod.Post, $"/instances/{id}/root");
        Assert.That(root!["user"]!["name"]!.GetValue<string>(), Is.EqualTo("root"));
        var rootPassword = root["user"]!["password"]!.GetValue<string>();
        Assert.That(await SqlAsync("root", rootPassword, null, "SELECT COUNT(*) FROM mysql.user WHERE user = 'u1'"), Is.EqualTo("1"));
        Assert.That((await Member(HttpMethod.Delete, $"/instances/{id}/root")).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.ThrowsAsync<InvalidOperationException>(async () => await SqlAsync("root", rootPassword, null, "SELECT 1"));

        // The agent's tasks are idempotent: a prepare and a user creation handed out again change nothing.
        var driver = new MariaDbDriver(_config);
        var again = await driver.RunAsync(new AgentTask("again", "prepare", new TaskPayload(
            Databases: [new DatabaseRef("db_1")], Users: [new UserRef("u1", "pw-1'x\\", "%", [new DatabaseRef("db_1")])])), CancellationToken.None);
        Assert.That(again.Ok, Is.True, again.Error);
        Assert.That(await SqlAsync("u1", "pw-1'x\\", "db_1", "SELECT SUM(v) FROM t"), Is.EqualTo("42"));

        // A configuration group: dynamic values take effect at once (SET GLOBAL), and stay after a restart (conf.d).
        var (groupCreated, group, _) = await Member(HttpMethod.Post, "/configurations", new JsonObject
        {
            ["configuration"] = new JsonObject
            {
                ["name"] = Unique("mcfg"), ["values"] = new JsonObject { ["max_connections"] = 77, ["slow_query_log"] = true },
                ["datastore"] = new JsonObject { ["type"] = "mariadb", ["version"] = "10.11" },
            },
        });
        Assert.That(groupCreated, Is.EqualTo(HttpStatusCode.OK), group?.ToJsonString());
        var groupId = group!["configuration"]!["id"]!.GetValue<string>();
        var (mysqlParameters, _, _) = await Member(HttpMethod.Get, "/datastores/mariadb/versions/10.11/parameters/innodb_buffer_pool_size");
        Assert.That(mysqlParameters, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Member(HttpMethod.Put, $"/instances/{id}", new JsonObject { ["instance"] = new JsonObject { ["configuration"] = groupId } })).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(await SqlAsync("u1", "pw-1'x\\", null, "SELECT CONCAT(@@max_connections, ' ', @@slow_query_log)"), Is.EqualTo("77 ON"));
        Assert.That((await Member(HttpMethod.Get, $"/instances/{id}")).Body!["instance"]!["status"]!.GetValue<string>(), Is.EqualTo("ACTIVE"), "no restart-only parameter changed");

        // Restart: REBOOT, then ACTIVE with the data and the group's values.
        Assert.That((await Member(HttpMethod.Post, $"/instances/{id}/action", new JsonObject { ["restart"] = new JsonObject() })).Status, Is.EqualTo(HttpStatusCode.Accepted));
        await WaitInstanceAsync(id, i => i["status"]!.GetValue<string>() == "ACTIVE", 120);
        Assert.That(await SqlAsync("u1", "pw-1'x\\", "db_1", "SELECT SUM(v) FROM t"), Is.EqualTo("42"));
        Assert.That(await SqlAsync("u1", "pw-1'x\\", null, "SELECT @@max_connections"), Is.EqualTo("77"));

        Assert.That((await Member(HttpMethod.Delete, $"/instances/{id}/databases/dbx1")).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(Names((await Member(HttpMethod.Get, $"/instances/{id}/databases")).Body!["databases"]), Is.EqualTo(new[] { "db_1" }));

        Assert.That((await Member(HttpMethod.Delete, $"/instances/{id}")).Status, Is.EqualTo(HttpStatusCode.Accepted));
        await WaitUntilAsync(async () => (await Member(HttpMethod.Get, $"/instances/{id}")).Status == HttpStatusCode.NotFound, "the instance is gone", 120);
    }

    [TestCase("mysql")]
    [TestCase("information_schema")]
    [TestCase("performance_schema")]
    [TestCase("sys")]
    public async Task MariaDbsOwnDatabasesAreReserved(string name)
    {
        var (status, body, _) = await Member(HttpMethod.Post, "/instances", new JsonObject
        {
            ["instance"] = new JsonObject
            {
                ["name"] = Unique("reserved"), ["flavorRef"] = "m1.tiny", ["volume"] = new JsonObject { ["size"] = 1 },
                ["datastore"] = new JsonObject { ["type"] = "mariadb", ["version"] = "10.11" },
                ["databases"] = new JsonArray(new JsonObject { ["name"] = name }),
            },
        });
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(body!["badRequest"]!["message"]!.GetValue<string>(), Does.Contain("reserved"));
    }

    /// <summary>Runs <paramref name="sql"/> as a user over TCP with Debian's mariadb client; the last row's first value, or InvalidOperationException with the client's error.</summary>
    private async Task<string> SqlAsync(string user, string password, string? database, string sql)
    {
        var start = new ProcessStartInfo("mariadb") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "--no-defaults", "--protocol=TCP", "-h", "127.0.0.1", "-P", _config!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "-u", user, $"--password={password}", "-N", "-B", "-e", sql })
            start.ArgumentList.Add(argument);
        if (database is not null)
            start.ArgumentList.Add(database);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException(error);
        return output.Trim().Split('\n')[^1];
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
