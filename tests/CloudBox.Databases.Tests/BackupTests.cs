using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Databases.Agent;
using CloudBox.Databases.Api;
using CloudBox.Databases.Backups;
using CloudBox.Databases.Guest;
using CloudBox.Databases.Instances;
using CloudBox.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CloudBox.Databases.Tests;

/// <summary>
/// Trove backups of PostgreSQL with real agents (the code of <c>cloudbox guest-agent</c>, on this host)
/// and Debian's PostgreSQL 15: a backup lands in the owner's object store as segments and a manifest,
/// restores into a new instance with the same rows, is refused when its checksum does not match,
/// survives the agent being killed in the middle, and takes its objects with it when deleted.
/// </summary>
[TestFixture(DatabaseEngine.Sqlite)]
public class BackupTests(DatabaseEngine engine) : DatabasesFixture(engine)
{
    private readonly List<(CancellationTokenSource Stop, Task Loop)> _agents = [];
    private readonly List<string> _dataDirs = [];

    [TearDown]
    public async Task StopAgents()
    {
        var agents = _agents.ToList();
        _agents.Clear(); // a failed stop must not leave disposed agents for the next test's teardown
        foreach (var (stop, loop) in agents)
            await StopAgentAsync(stop, loop);
        foreach (var dataDir in _dataDirs)
            await RemovePostgresDataAsync(dataDir);
        _dataDirs.Clear();
    }

    [Test]
    public async Task ABackupRestoresIntoANewInstanceRowByRowAndIsDeletedWithItsObjects()
    {
        RequirePostgres();
        var (sourceId, source) = await ActiveInstanceAsync("bk-src");
        await ExecuteAsync(source, "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT i, md5(i::text) || repeat('x', i % 50) FROM generate_series(1, 20000) i");

        var (created, body, _) = await Member(HttpMethod.Post, "/backups", BackupBody("b1", sourceId));
        Assert.That(created, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var backupId = body!["backup"]!["id"]!.GetValue<string>();
        Assert.That(body["backup"]!["status"]!.GetValue<string>(), Is.EqualTo("NEW"));
        Assert.That(body["backup"]!["locationRef"]!.GetValue<string>(), Does.EndWith($"/object-store/v1/AUTH_{ProjectId}/database_backups/{backupId}.tar.gz"));
        Assert.That(body["backup"]!["datastore"]!["type"]!.GetValue<string>(), Is.EqualTo("postgresql"));

        // One backup at a time: the instance is BACKUP and a second one is a conflict in Trove's fault body.
        var (second, fault, _) = await Member(HttpMethod.Post, "/backups", BackupBody("b2", sourceId));
        Assert.That(second, Is.EqualTo(HttpStatusCode.Conflict), fault?.ToJsonString());
        Assert.That(fault!["conflictingRequest"]!["message"]!.GetValue<string>(), Does.Contain("already being backed up"));

        var backup = await WaitBackupAsync(backupId, "COMPLETED");
        Assert.That(backup["checksum"]!.GetValue<string>(), Does.Match("^[0-9a-f]{64}$"));
        Assert.That(backup["size"]!.GetValue<double>(), Is.GreaterThan(0));
        await WaitInstanceAsync(sourceId, i => i["status"]!.GetValue<string>() == "ACTIVE");

        // The backup is a manifest and segments of at most the configured size in the owner's container.
        var objects = await ObjectsAsync(backupId);
        Assert.That(objects, Does.Contain(backupId + ".tar.gz"));
        Assert.That(objects.Count(o => o.StartsWith(backupId + "/", StringComparison.Ordinal)), Is.GreaterThan(1), "several segments");
        Assert.That(Ids((await Member(HttpMethod.Get, "/backups")).Body!["backups"]), Does.Contain(backupId));
        Assert.That(Ids((await Member(HttpMethod.Get, $"/instances/{sourceId}/backups")).Body!["backups"]), Is.EqualTo(new[] { backupId }));
        Assert.That(Ids((await Member(HttpMethod.Get, "/backups?datastore=postgresql")).Body!["backups"]), Does.Contain(backupId));
        Assert.That(Ids((await Member(HttpMethod.Get, "/backups?datastore=mariadb")).Body!["backups"]), Is.Empty);

        // Rows written after the backup are not in it.
        await ExecuteAsync(source, "INSERT INTO t VALUES (-1, 'after the backup')");

        // A backup whose stored bytes do not match its checksum is not restored: the new instance fails.
        var store = Cloud.Services.GetRequiredService<BackupStore>();
        var record = (await store.FindAsync(backupId, CancellationToken.None))!;
        var goodChecksum = record.Checksum!;
        record.Checksum = new string('0', 64);
        Assert.That(await store.UpdateAsync(record, "COMPLETED", CancellationToken.None), Is.True);
        var (badId, _) = await RestoredInstanceAsync("bk-bad", backupId);
        var failed = await WaitInstanceAsync(badId, i => i["status"]!.GetValue<string>() is "ERROR" or "ACTIVE", 120);
        Assert.That(failed["status"]!.GetValue<string>(), Is.EqualTo("ERROR"));
        Assert.That(failed["fault"]!["message"]!.GetValue<string>(), Does.Contain("checksum"));
        record.Checksum = goodChecksum;
        Assert.That(await store.UpdateAsync(record, "COMPLETED", CancellationToken.None), Is.True);

        // Restored into a new instance: the same rows, row by row, and the users of the source.
        var (restoredId, restored) = await RestoredInstanceAsync("bk-restored", backupId);
        await WaitInstanceAsync(restoredId, i => i["status"]!.GetValue<string>() == "ACTIVE", 120);
        var expected = await RowsAsync(source, "SELECT id, v FROM t WHERE id > 0 ORDER BY id");
        var actual = await RowsAsync(restored, "SELECT id, v FROM t ORDER BY id");
        Assert.That(actual, Has.Count.EqualTo(20000));
        Assert.That(actual, Is.EqualTo(expected));

        // Deleting the backup deletes its objects.
        Assert.That((await Member(HttpMethod.Delete, $"/backups/{backupId}")).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(await ObjectsAsync(backupId), Is.Empty);
        Assert.That((await Member(HttpMethod.Get, $"/backups/{backupId}")).Status, Is.EqualTo(HttpStatusCode.NotFound));

        foreach (var id in new[] { sourceId, badId, restoredId })
            Assert.That((await Member(HttpMethod.Delete, $"/instances/{id}")).Status, Is.EqualTo(HttpStatusCode.Accepted));
    }

    [Test]
    public async Task AGzipBackupTakenBeforeZstdStillRestores()
    {
        RequirePostgres();
        var (sourceId, source) = await ActiveInstanceAsync("bk-gz");
        await ExecuteAsync(source, "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT i, md5(i::text) FROM generate_series(1, 3000) i");
        var (_, body, _) = await Member(HttpMethod.Post, "/backups", BackupBody("gz", sourceId));
        var backupId = body!["backup"]!["id"]!.GetValue<string>();
        await WaitBackupAsync(backupId, "COMPLETED");
        await WaitInstanceAsync(sourceId, i => i["status"]!.GetValue<string>() == "ACTIVE");

        // The backup as the agent stored it before zstd: the same tar, gzip-compressed, as one object under the manifest's name.
        var objectPath = $"/object-store/v1/AUTH_{ProjectId}/database_backups/{backupId}.tar.gz";
        byte[] stored;
        using (var get = new HttpRequestMessage(HttpMethod.Get, objectPath))
        {
            get.Headers.Add("X-Auth-Token", MemberToken);
            using var response = await Cloud.Client.SendAsync(get);
            stored = await response.Content.ReadAsByteArrayAsync();
        }
        Assert.That(stored.Take(4), Is.EqualTo(new byte[] { 0x28, 0xB5, 0x2F, 0xFD }), "new backups are zstd");
        var gzip = new MemoryStream();
        await using (var decompress = new ZstdSharp.DecompressionStream(new MemoryStream(stored)))
        await using (var compress = new System.IO.Compression.GZipStream(gzip, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            await decompress.CopyToAsync(compress);
        using (var put = new HttpRequestMessage(HttpMethod.Put, objectPath) { Content = new ByteArrayContent(gzip.ToArray()) })
        {
            put.Headers.Add("X-Auth-Token", MemberToken);
            using var response = await Cloud.Client.SendAsync(put);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        }
        var store = Cloud.Services.GetRequiredService<BackupStore>();
        var record = (await store.FindAsync(backupId, CancellationToken.None))!;
        record.Checksum = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(gzip.ToArray()));
        Assert.That(await store.UpdateAsync(record, "COMPLETED", CancellationToken.None), Is.True);

        var (restoredId, restored) = await RestoredInstanceAsync("bk-gz-restored", backupId);
        await WaitInstanceAsync(restoredId, i => i["status"]!.GetValue<string>() == "ACTIVE", 120);
        Assert.That(await RowsAsync(restored, "SELECT id, v FROM t ORDER BY id"), Is.EqualTo(await RowsAsync(source, "SELECT id, v FROM t ORDER BY id")).And.Count.EqualTo(3000));

        Assert.That((await Member(HttpMethod.Delete, $"/backups/{backupId}")).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(await ObjectsAsync(backupId), Is.Empty);
        foreach (var id in new[] { sourceId, restoredId })
            Assert.That((await Member(HttpMethod.Delete, $"/instances/{id}")).Status, Is.EqualTo(HttpStatusCode.Accepted));
    }

    [Test]
    public async Task AnAgentKilledDuringABackupIsHandedItAgainAndTheInstanceReturnsToActive()
    {
        RequirePostgres();
        var (id, source) = await ActiveInstanceAsync("bk-crash");
        // Enough data that the backup is still running when the agent is killed.
        await ExecuteAsync(source, "CREATE TABLE big (id int, v text); INSERT INTO big SELECT i, md5(i::text) || md5((i * 7)::text) FROM generate_series(1, 1500000) i");
        var (_, body, _) = await Member(HttpMethod.Post, "/backups", BackupBody("crash", id));
        var backupId = body!["backup"]!["id"]!.GetValue<string>();

        // Kill the agent once the first segments are stored.
        await WaitUntilAsync(async () => (await ObjectsAsync(backupId)).Count > 1, "the backup is under way", 120);
        var (stop, loop) = _agents[^1];
        await stop.CancelAsync();
        await loop.WaitAsync(TimeSpan.FromSeconds(60));
        _agents.RemoveAt(_agents.Count - 1);
        var during = (await Member(HttpMethod.Get, $"/backups/{backupId}")).Body!["backup"]!;
        Assert.That(during["status"]!.GetValue<string>(), Is.EqualTo("BUILDING"));
        Assert.That((await WaitInstanceAsync(id, _ => true))["status"]!.GetValue<string>(), Is.EqualTo("BACKUP"));

        // The agent comes back: the task is handed to it again, and it starts the backup over.
        _agents.Add(StartAgent(source, new PostgresDriver(source)));
        var backup = await WaitBackupAsync(backupId, "COMPLETED", 300);
        await WaitInstanceAsync(id, i => i["status"]!.GetValue<string>() == "ACTIVE");
        // What the killed try stored is gone: the manifest names every segment left.
        var (_, manifest, _) = await Cloud.SendAsync(HttpMethod.Get, $"/object-store/v1/AUTH_{ProjectId}/database_backups/{backupId}.tar.gz?multipart-manifest=get", MemberToken);
        Assert.That(await ObjectsAsync(backupId), Has.Count.EqualTo(manifest!.AsArray().Count + 1));
        Assert.That(backup["size"]!.GetValue<double>(), Is.GreaterThan(0));

        Assert.That((await Member(HttpMethod.Delete, $"/backups/{backupId}")).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That((await Member(HttpMethod.Delete, $"/instances/{id}")).Status, Is.EqualTo(HttpStatusCode.Accepted));
    }

    [Test]
    public async Task ABackupCutShortByARestartOfServeEndsCleanlyAndTheInstanceReturnsToActive()
    {
        RequirePostgres();
        var (id, source) = await ActiveInstanceAsync("bk-restart");
        await ExecuteAsync(source, "CREATE TABLE big (id int, v text); INSERT INTO big SELECT i, md5(i::text) || md5((i * 7)::text) FROM generate_series(1, 1500000) i");
        var (_, body, _) = await Member(HttpMethod.Post, "/backups", BackupBody("restart", id));
        var backupId = body!["backup"]!["id"]!.GetValue<string>();
        await WaitUntilAsync(async () => (await ObjectsAsync(backupId)).Count > 1, "the backup is under way", 120);

        // serve goes away in the middle of the upload and comes back on the same data: the agent's
        // requests fail meanwhile, and the backup is either taken again or failed with its objects removed.
        await Cloud.RestartAsync();
        JsonNode? backup = null;
        await WaitUntilAsync(async () =>
        {
            backup = (await Member(HttpMethod.Get, $"/backups/{backupId}")).Body!["backup"]!;
            return backup["status"]!.GetValue<string>() is "COMPLETED" or "FAILED";
        }, "the backup ends", 300);
        await WaitInstanceAsync(id, i => i["status"]!.GetValue<string>() == "ACTIVE");
        TestContext.Progress.WriteLine($"after the restart the backup is {backup!["status"]}");
        if (backup["status"]!.GetValue<string>() == "COMPLETED")
        {
            var (_, manifest, _) = await Cloud.SendAsync(HttpMethod.Get, $"/object-store/v1/AUTH_{ProjectId}/database_backups/{backupId}.tar.gz?multipart-manifest=get", MemberToken);
            Assert.That(await ObjectsAsync(backupId), Has.Count.EqualTo(manifest!.AsArray().Count + 1));
        }
        else
        {
            Assert.That(await ObjectsAsync(backupId), Is.Empty, "a failed backup leaves no objects");
        }
        Assert.That((await Member(HttpMethod.Delete, $"/backups/{backupId}")).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That((await Member(HttpMethod.Delete, $"/instances/{id}")).Status, Is.EqualTo(HttpStatusCode.Accepted));
    }

    [Test]
    public async Task BackupRequestsAreCheckedBeforeAnythingIsQueued()
    {
        var (status, fault, _) = await Member(HttpMethod.Post, "/backups", BackupBody("b", Guid.NewGuid().ToString()));
        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(fault!["itemNotFound"]!["code"]!.GetValue<int>(), Is.EqualTo(404));

        // An instance still building (no agent here) cannot be backed up.
        var (_, created, _) = await Member(HttpMethod.Post, "/instances", CreateBody(Unique("bk-build")));
        var building = created!["instance"]!["id"]!.GetValue<string>();
        (status, fault, _) = await Member(HttpMethod.Post, "/backups", BackupBody("b", building));
        Assert.That(status, Is.EqualTo(HttpStatusCode.Conflict), fault?.ToJsonString());
        Assert.That(fault!["conflictingRequest"]!["message"]!.GetValue<string>(), Does.Contain("not ACTIVE"));

        var incremental = BackupBody("b", building);
        incremental["backup"]!["incremental"] = 1;
        (status, fault, _) = await Member(HttpMethod.Post, "/backups", incremental);
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(fault!["badRequest"]!["message"]!.GetValue<string>(), Does.Contain("Incremental"));
        var withParent = BackupBody("b", building);
        withParent["backup"]!["parent_id"] = Guid.NewGuid().ToString();
        Assert.That((await Member(HttpMethod.Post, "/backups", withParent)).Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await Member(HttpMethod.Post, "/backups", BackupBody("", building))).Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await Member(HttpMethod.Post, "/backups", new JsonObject { ["backup"] = new JsonObject { ["name"] = "b" } })).Status, Is.EqualTo(HttpStatusCode.BadRequest));
        var otherContainer = BackupBody("b", building);
        otherContainer["backup"]!["swift_container"] = "elsewhere";
        Assert.That((await Member(HttpMethod.Post, "/backups", otherContainer)).Status, Is.EqualTo(HttpStatusCode.BadRequest));

        Assert.That((await Member(HttpMethod.Get, $"/backups/{Guid.NewGuid()}")).Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await Member(HttpMethod.Delete, $"/backups/{Guid.NewGuid()}")).Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await Member(HttpMethod.Get, "/backups?limit=0")).Status, Is.EqualTo(HttpStatusCode.BadRequest));

        // Restoring an unknown backup is a 404 before any instance is recorded.
        var restore = CreateBody(Unique("bk-none"));
        restore["instance"]!["restorePoint"] = new JsonObject { ["backupRef"] = Guid.NewGuid().ToString() };
        (status, fault, _) = await Member(HttpMethod.Post, "/instances", restore);
        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound), fault?.ToJsonString());

        Assert.That((await Member(HttpMethod.Delete, $"/instances/{building}")).Status, Is.EqualTo(HttpStatusCode.Accepted));
    }

    private static void RequirePostgres()
    {
        if (!Directory.Exists("/usr/lib/postgresql"))
            Assert.Ignore("PostgreSQL's binaries (Debian's postgresql package) are not installed: the agent cannot run a datastore here");
    }

    private static JsonObject BackupBody(string name, string instance) => new()
    {
        ["backup"] = new JsonObject { ["name"] = name, ["instance"] = instance, ["incremental"] = 0 },
    };

    /// <summary>An instance with db1 and u1, built and prepared by an agent of its own; returns its id and the agent's configuration.</summary>
    private async Task<(string Id, AgentConfig Config)> ActiveInstanceAsync(string name)
    {
        var users = new JsonArray(new JsonObject { ["name"] = "u1", ["password"] = "pw1", ["databases"] = new JsonArray(new JsonObject { ["name"] = "db1" }) });
        var (created, body, _) = await Member(HttpMethod.Post, "/instances", CreateBody(Unique(name), new JsonArray(new JsonObject { ["name"] = "db1" }), users));
        Assert.That(created, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        var id = body!["instance"]!["id"]!.GetValue<string>();
        var config = await AgentForAsync(id);
        await WaitInstanceAsync(id, i => i["status"]!.GetValue<string>() == "ACTIVE", 120);
        return (id, config);
    }

    private async Task<(string Id, AgentConfig Config)> RestoredInstanceAsync(string name, string backupId)
    {
        var request = CreateBody(Unique(name));
        request["instance"]!["restorePoint"] = new JsonObject { ["backupRef"] = backupId };
        var (created, body, _) = await Member(HttpMethod.Post, "/instances", request);
        Assert.That(created, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        var id = body!["instance"]!["id"]!.GetValue<string>();
        return (id, await AgentForAsync(id));
    }

    /// <summary>Waits for the instance's server, then runs its agent on this host with the configuration from the server's user data.</summary>
    private async Task<AgentConfig> AgentForAsync(string id)
    {
        var instances = Cloud.Services.GetRequiredService<InstanceStore>();
        await WaitUntilAsync(async () => (await instances.FindAsync(id, CancellationToken.None))!.Step is InstanceSteps.Agent or InstanceSteps.Failed, "the instance waits for its agent");
        var serverId = (await instances.FindAsync(id, CancellationToken.None))!.ServerId!;
        var dataDir = Path.Combine("/tmp", "cloudbox-backup-" + Guid.NewGuid().ToString("N")[..8]);
        _dataDirs.Add(dataDir);
        var config = await AgentConfigFromUserDataAsync(serverId, dataDir);
        _agents.Add(StartAgent(config, new PostgresDriver(config)));
        return config;
    }

    private async Task<JsonNode> WaitBackupAsync(string id, string status, int seconds = 120)
    {
        JsonNode? last = null;
        for (var i = 0; i < seconds * 10; i++)
        {
            last = (await Member(HttpMethod.Get, $"/backups/{id}")).Body?["backup"];
            if (last?["status"]?.GetValue<string>() == status)
                return last;
            Assert.That(last?["status"]?.GetValue<string>(), Is.Not.EqualTo("FAILED"), last?.ToJsonString());
            await Task.Delay(100);
        }
        Assert.Fail($"backup {id} did not become {status} in {seconds} s; last: {last?.ToJsonString()}");
        return last!;
    }

    /// <summary>The names of the backup's objects in the owner's database_backups container.</summary>
    private async Task<List<string>> ObjectsAsync(string backupId)
    {
        var (status, body, _) = await Cloud.SendAsync(HttpMethod.Get, $"/object-store/v1/AUTH_{ProjectId}/database_backups?format=json&prefix={backupId}", MemberToken);
        Assert.That(status, Is.AnyOf(HttpStatusCode.OK, HttpStatusCode.NoContent, HttpStatusCode.NotFound));
        return body is JsonArray list ? list.Select(o => o!["name"]!.GetValue<string>()).ToList() : [];
    }

    private static async Task ExecuteAsync(AgentConfig config, string sql)
    {
        await using var connection = await OpenAsync(config);
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 300 };
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<(int, string)>> RowsAsync(AgentConfig config, string sql)
    {
        await using var connection = await OpenAsync(config);
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(int, string)>();
        while (await reader.ReadAsync())
            rows.Add((reader.GetInt32(0), reader.GetString(1)));
        return rows;
    }

    private static async Task<NpgsqlConnection> OpenAsync(AgentConfig config)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = config.Port, Username = "u1", Password = "pw1", Database = "db1", Pooling = false,
        }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static IEnumerable<string> Ids(JsonNode? list) => list!.AsArray().Select(b => b!["id"]!.GetValue<string>());

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
