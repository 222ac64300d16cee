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
/// Configuration groups on a real PostgreSQL 15 under the real agent: values in effect from the build,
/// reloadable ones applied on attach, restart-only ones after the restart RESTART_REQUIRED asks for.
/// </summary>
[TestFixture(DatabaseEngine.Sqlite)]
public class ConfigurationAgentTests(DatabaseEngine engine) : DatabasesFixture(engine)
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
    public async Task AGroupIsAppliedAtBuildReloadedOnAttachAndRestartOnlyValuesWaitForARestart()
    {
        var first = await CreateGroupAsync(new JsonObject { ["max_connections"] = 42, ["work_mem"] = 2048 });
        var create = CreateBody(Unique("cfg-pg"), new JsonArray(new JsonObject { ["name"] = "db1" }),
            new JsonArray(new JsonObject { ["name"] = "u1", ["password"] = "pw1", ["databases"] = new JsonArray(new JsonObject { ["name"] = "db1" }) }));
        create["instance"]!["configuration"] = first;
        var (_, body, _) = await Member(HttpMethod.Post, "/instances", create);
        var id = body!["instance"]!["id"]!.GetValue<string>();
        var instances = Cloud.Services.GetRequiredService<InstanceStore>();
        await WaitUntilAsync(async () => (await instances.FindAsync(id, CancellationToken.None))!.Step == InstanceSteps.Agent, "the instance waits for its agent");
        _dataDir = Path.Combine("/tmp", "cloudbox-agent-" + Guid.NewGuid().ToString("N")[..8]);
        _config = await AgentConfigFromUserDataAsync((await instances.FindAsync(id, CancellationToken.None))!.ServerId!, _dataDir);
        (_agentStop, _agent) = StartAgent(_config, new PostgresDriver(_config));
        var active = await WaitInstanceAsync(id, i => i["status"]!.GetValue<string>() == "ACTIVE", 120);
        Assert.That(active["configuration"]!["id"]!.GetValue<string>(), Is.EqualTo(first));

        // The group given at create is in effect from the first start, restart-only parameters included.
        Assert.That(await ShowAsync("max_connections"), Is.EqualTo("42"));
        Assert.That(await ShowAsync("work_mem"), Is.EqualTo("2MB"));

        // Detach, attach another: work_mem (reloadable) changes at once, max_connections waits for the restart Trove asks for.
        var second = await CreateGroupAsync(new JsonObject { ["max_connections"] = 55, ["work_mem"] = 3072 });
        Assert.That((await Member(HttpMethod.Put, $"/instances/{id}", new JsonObject { ["instance"] = new JsonObject { ["configuration"] = null } })).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That((await Member(HttpMethod.Get, $"/instances/{id}")).Body!["instance"]!["configuration"], Is.Null);
        Assert.That(await ShowAsync("work_mem"), Is.EqualTo("4MB"), "PostgreSQL's default again after the reload");
        var (attached, fault, _) = await Member(HttpMethod.Put, $"/instances/{id}", new JsonObject { ["instance"] = new JsonObject { ["configuration"] = second } });
        Assert.That(attached, Is.EqualTo(HttpStatusCode.Accepted), fault?.ToJsonString());
        Assert.That(await ShowAsync("work_mem"), Is.EqualTo("3MB"));
        Assert.That(await ShowAsync("max_connections"), Is.EqualTo("42"));
        var waiting = (await Member(HttpMethod.Get, $"/instances/{id}")).Body!["instance"]!;
        Assert.That(waiting["status"]!.GetValue<string>(), Is.EqualTo("RESTART_REQUIRED"));
        Assert.That(waiting["configuration"]!["id"]!.GetValue<string>(), Is.EqualTo(second));

        Assert.That((await Member(HttpMethod.Post, $"/instances/{id}/action", new JsonObject { ["restart"] = new JsonObject() })).Status, Is.EqualTo(HttpStatusCode.Accepted));
        await WaitInstanceAsync(id, i => i["status"]!.GetValue<string>() == "ACTIVE", 120);
        Assert.That(await ShowAsync("max_connections"), Is.EqualTo("55"));

        // `openstack database configuration default`: the values the running cluster has for every parameter a group may set.
        var (shown, running, _) = await Member(HttpMethod.Get, $"/instances/{id}/configuration");
        Assert.That(shown, Is.EqualTo(HttpStatusCode.OK), running?.ToJsonString());
        var values = running!["instance"]!["configuration"]!.AsObject();
        Assert.That(values.Select(v => v.Key), Is.EquivalentTo(Configurations.ParameterSchema.For("postgresql").Select(p => p.Name)));
        Assert.That(values["max_connections"]!.GetValue<string>(), Is.EqualTo("55"));
        Assert.That(values["work_mem"]!.GetValue<string>(), Is.EqualTo("3072"), "in kB, PostgreSQL's unit for work_mem");
        Assert.That(values["autovacuum"]!.GetValue<string>(), Is.EqualTo("on"));
        Assert.That((await Member(HttpMethod.Get, $"/instances/{Guid.NewGuid()}/configuration")).Status, Is.EqualTo(HttpStatusCode.NotFound));

        Assert.That((await Member(HttpMethod.Delete, $"/instances/{id}")).Status, Is.EqualTo(HttpStatusCode.Accepted));
        await WaitUntilAsync(async () => (await Member(HttpMethod.Get, $"/instances/{id}")).Status == HttpStatusCode.NotFound, "the instance is gone", 120);
        Assert.That((await Member(HttpMethod.Delete, $"/configurations/{second}")).Status, Is.EqualTo(HttpStatusCode.Accepted), "deletable once its instance is gone");
    }

    private async Task<string> CreateGroupAsync(JsonObject values)
    {
        var (status, body, _) = await Member(HttpMethod.Post, "/configurations", new JsonObject
        {
            ["configuration"] = new JsonObject { ["name"] = Unique("group"), ["values"] = values, ["datastore"] = new JsonObject { ["type"] = "postgresql", ["version"] = "15" } },
        });
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        return body!["configuration"]!["id"]!.GetValue<string>();
    }

    /// <summary>A setting as a new session of u1 sees it.</summary>
    private async Task<string> ShowAsync(string parameter)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = _config!.Port, Username = "u1", Password = "pw1", Database = "db1", Pooling = false,
        }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SHOW " + parameter, connection);
        return (string)(await command.ExecuteScalarAsync())!;
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
