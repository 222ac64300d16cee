using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Databases.Agent;
using CloudBox.Databases.Guest;
using CloudBox.Databases.Instances;
using CloudBox.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Databases.Tests;

/// <summary>
/// Trove backups of MariaDB 10.11 with real agents and Debian's <c>mariadbd</c> and <c>mariabackup</c>:
/// a full backup streamed as xbstream, compressed and checksummed into the owner's object store, restored
/// (extracted, prepared) into a new instance that holds the backup's rows and users, not those written after it.
/// </summary>
[TestFixture(DatabaseEngine.Sqlite)]
public class MariaDbBackupTests(DatabaseEngine engine) : DatabasesFixture(engine)
{
    private readonly List<(CancellationTokenSource Stop, Task Loop, AgentConfig Config)> _agents = [];

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
    public void RequireMariaDbBackup()
    {
        if (!File.Exists("/usr/sbin/mariadbd") || !File.Exists("/usr/bin/mariabackup") || !File.Exists("/usr/bin/mbstream"))
            Assert.Ignore("MariaDB's server and mariabackup (Debian's mariadb-server and mariadb-backup packages) are not installed");
    }

    [TearDown]
    public async Task StopAgents()
    {
        var agents = _agents.ToList();
        _agents.Clear();
        foreach (var (stop, loop, config) in agents)
        {
            await StopAgentAsync(stop, loop);
            await new MariaDbDriver(config).StopAsync(CancellationToken.None);
            if (Directory.Exists(config.DataDir))
                Directory.Delete(config.DataDir, recursive: true);
        }
    }

    [Test]
    public async Task AMariaDbBackupRestoresIntoANewInstanceWithTheBackupsRows()
    {
        var (sourceId, source) = await InstanceAsync("mbk-src", null);
        await SqlAsync(source, "u1", "pw1", "db1",
            "CREATE TABLE t (id int PRIMARY KEY, v varchar(100)) ENGINE=InnoDB; " +
            "INSERT INTO t SELECT seq, CONCAT(MD5(seq), REPEAT('x', seq % 50)) FROM seq_1_to_20000; SELECT COUNT(*) FROM t");

        var (created, body, _) = await Member(HttpMethod.Post, "/backups", new JsonObject
        {
            ["backup"] = new JsonObject { ["name"] = "mb1", ["instance"] = sourceId },
        });
        Assert.That(created, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var backupId = body!["backup"]!["id"]!.GetValue<string>();
        Assert.That(body["backup"]!["datastore"]!["type"]!.GetValue<string>(), Is.EqualTo("mariadb"));
        var backup = await WaitBackupAsync(backupId);
        Assert.That(backup["checksum"]!.GetValue<string>(), Does.Match("^[0-9a-f]{64}$"));
        await WaitInstanceAsync(sourceId, i => i["status"]!.GetValue<string>() == "ACTIVE");

        // Stored zstd-compressed, as the manifest's metadata says and the bytes show.
        var (_, _, head) = await Cloud.SendAsync(HttpMethod.Head, $"/object-store/v1/AUTH_{ProjectId}/database_backups/{backupId}.tar.gz", MemberToken);
        Assert.That(head.Headers.TryGetValues("X-Object-Meta-Compression", out var compression) ? compression.Single() : null, Is.EqualTo("zstd"));
        using (var get = new HttpRequestMessage(HttpMethod.Get, $"/object-store/v1/AUTH_{ProjectId}/database_backups/{backupId}.tar.gz"))
        {
            get.Headers.Add("X-Auth-Token", MemberToken);
            get.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(0, 3);
            using var response = await Cloud.Client.SendAsync(get);
            var magic = await response.Content.ReadAsByteArrayAsync();
            Assert.That(magic.Take(4), Is.EqualTo(new byte[] { 0x28, 0xB5, 0x2F, 0xFD }), "zstd's magic");
        }

        // Written after the backup: not in it.
        await SqlAsync(source, "u1", "pw1", "db1", "INSERT INTO t VALUES (-1, 'after the backup'); SELECT 1");

        var (restoredId, restored) = await InstanceAsync("mbk-restored", backupId);
        var expected = await SqlAsync(source, "u1", "pw1", "db1", "SELECT COUNT(*), MD5(GROUP_CONCAT(id, v ORDER BY id)) FROM t WHERE id > 0");
        var actual = await SqlAsync(restored, "u1", "pw1", "db1", "SELECT COUNT(*), MD5(GROUP_CONCAT(id, v ORDER BY id)) FROM t");
        Assert.That(actual, Does.StartWith("20000\t"));
        Assert.That(actual, Is.EqualTo(expected), "the same rows, in the same order, with the same values");
        Assert.That(await SqlAsync(restored, "u1", "pw1", "db1", "SELECT COUNT(*) FROM t WHERE id < 0"), Is.EqualTo("0"));

        Assert.That((await Member(HttpMethod.Delete, $"/backups/{backupId}")).Status, Is.EqualTo(HttpStatusCode.Accepted));
        foreach (var id in new[] { sourceId, restoredId })
            Assert.That((await Member(HttpMethod.Delete, $"/instances/{id}")).Status, Is.EqualTo(HttpStatusCode.Accepted));
    }

    /// <summary>A MariaDB instance with db1 and u1 (or restored from <paramref name="backupId"/>), prepared by an agent of its own until ACTIVE.</summary>
    private async Task<(string Id, AgentConfig Config)> InstanceAsync(string name, string? backupId)
    {
        var request = new JsonObject
        {
            ["instance"] = new JsonObject
            {
                ["name"] = Unique(name),
                ["flavorRef"] = "m1.tiny",
                ["volume"] = new JsonObject { ["size"] = 1 },
                ["datastore"] = new JsonObject { ["type"] = "mariadb", ["version"] = "10.11" },
            },
        };
        if (backupId is null)
        {
            request["instance"]!["databases"] = new JsonArray(new JsonObject { ["name"] = "db1" });
            request["instance"]!["users"] = new JsonArray(new JsonObject { ["name"] = "u1", ["password"] = "pw1", ["databases"] = new JsonArray(new JsonObject { ["name"] = "db1" }) });
        }
        else
        {
            request["instance"]!["restorePoint"] = new JsonObject { ["backupRef"] = backupId };
        }
        var (created, body, _) = await Member(HttpMethod.Post, "/instances", request);
        Assert.That(created, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        var id = body!["instance"]!["id"]!.GetValue<string>();
        var instances = Cloud.Services.GetRequiredService<InstanceStore>();
        for (var i = 0; i < 600 && (await instances.FindAsync(id, CancellationToken.None))!.Step is not (InstanceSteps.Agent or InstanceSteps.Failed); i++)
            await Task.Delay(100);
        var serverId = (await instances.FindAsync(id, CancellationToken.None))!.ServerId!;
        var config = await AgentConfigFromUserDataAsync(serverId, Path.Combine("/tmp", "cloudbox-mbk-" + Guid.NewGuid().ToString("N")[..8]));
        var (stop, loop) = StartAgent(config, new MariaDbDriver(config));
        _agents.Add((stop, loop, config));
        await WaitInstanceAsync(id, i => i["status"]!.GetValue<string>() is "ACTIVE" or "ERROR", 180);
        var instance = (await Member(HttpMethod.Get, $"/instances/{id}")).Body!["instance"]!;
        Assert.That(instance["status"]!.GetValue<string>(), Is.EqualTo("ACTIVE"), instance.ToJsonString());
        return (id, config);
    }

    private async Task<JsonNode> WaitBackupAsync(string id)
    {
        JsonNode? last = null;
        for (var i = 0; i < 1800; i++)
        {
            last = (await Member(HttpMethod.Get, $"/backups/{id}")).Body?["backup"];
            var status = last?["status"]?.GetValue<string>();
            if (status == "COMPLETED")
                return last!;
            Assert.That(status, Is.Not.EqualTo("FAILED"), last?.ToJsonString());
            await Task.Delay(100);
        }
        Assert.Fail($"backup {id} did not complete; last: {last?.ToJsonString()}");
        return last!;
    }

    /// <summary>Runs <paramref name="sql"/> as a user over TCP with Debian's mariadb client; the last row, tab-separated.</summary>
    private static async Task<string> SqlAsync(AgentConfig config, string user, string password, string database, string sql)
    {
        var start = new ProcessStartInfo("mariadb") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "--no-defaults", "--protocol=TCP", "-h", "127.0.0.1", "-P", config.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "-u", user, $"--password={password}", "-N", "-B", "-e", sql, database })
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.That(process.ExitCode, Is.Zero, error);
        return output.Trim().Split('\n')[^1];
    }
}
