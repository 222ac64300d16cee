using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Testing;

namespace CloudBox.Objects.Tests.Durability;

/// <summary>
/// Kills a real <c>cloudbox serve</c> with SIGKILL while 16 clients upload and overwrite objects,
/// restarts it on the same data, and checks that every listed object is complete and matches
/// its ETag, nothing partial is visible, and the counters agree with the listing.
/// </summary>
[TestFixture(DatabaseEngine.Sqlite)]
[TestFixture(DatabaseEngine.Postgres)]
[NonParallelizable]
public class CrashDuringUploadsTests(DatabaseEngine engine)
{
    private const string Password = "durability-admin";
    private const int Clients = 16;

    [Test]
    public async Task KillNineDuringUploadsLeavesOnlyCompleteObjects()
    {
        var data = Directory.CreateTempSubdirectory("cloudbox-crash-").FullName;
        var database = engine == DatabaseEngine.Postgres ? await PostgresServer.Shared.CreateDatabaseAsync() : "";
        try
        {
            string account;
            var acknowledged = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
            using (var first = await ServeProcess.StartAsync(data, database, Password))
            {
                var (token, projectId) = await LoginAsync(first.Url);
                account = $"{first.Url}/object-store/v1/AUTH_{projectId}";
                using var client = Client(token);
                Assert.That((int)(await client.PutAsync($"{account}/crash", null)).StatusCode, Is.EqualTo(201));

                using var stop = new CancellationTokenSource();
                var uploaders = Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
                {
                    for (var i = 0; !stop.IsCancellationRequested; i++)
                    {
                        // Every third upload overwrites an earlier name: replacement must be atomic too.
                        var name = $"client{c}/obj{(i % 3 == 2 ? i - 1 : i)}";
                        var body = Content(name, i, Random.Shared.Next(1, 1 << 20));
                        try
                        {
                            using var response = await client.PutAsync($"{account}/crash/{name}", new ByteArrayContent(body));
                            if ((int)response.StatusCode == 201)
                                acknowledged[name] = Convert.ToHexStringLower(MD5.HashData(body));
                        }
                        catch (Exception) when (stop.IsCancellationRequested)
                        {
                            return; // the server died under us
                        }
                        catch (Exception error)
                        {
                            throw new InvalidOperationException($"upload failed while the server ran (acknowledged so far: {acknowledged.Count}); server log:\n{first.Log}", error);
                        }
                    }
                })).ToList();
                // Kill once uploads are flowing, at a moment no client chose.
                for (var waited = 0; acknowledged.Count < 40 && waited < 300 && uploaders.Any(u => !u.IsCompleted); waited++)
                    await Task.Delay(100);
                await Task.Delay(Random.Shared.Next(50, 400));
                stop.Cancel(); // from here on, failed uploads are expected
                first.KillHard();
                await Task.WhenAll(uploaders);
            }
            Assert.That(acknowledged, Is.Not.Empty, "some uploads completed before the kill");

            using var second = await ServeProcess.StartAsync(data, database, Password);
            var (token2, projectId2) = await LoginAsync(second.Url);
            account = $"{second.Url}/object-store/v1/AUTH_{projectId2}";
            using var reader = Client(token2);
            var listing = JsonNode.Parse(await reader.GetStringAsync($"{account}/crash?format=json"))!.AsArray();
            long bytes = 0;
            foreach (var entry in listing)
            {
                var name = entry!["name"]!.GetValue<string>();
                var hash = entry["hash"]!.GetValue<string>();
                using var response = await reader.GetAsync($"{account}/crash/{name}");
                var body = await response.Content.ReadAsByteArrayAsync();
                Assert.That((int)response.StatusCode, Is.EqualTo(200), name);
                Assert.That(body.LongLength, Is.EqualTo(entry["bytes"]!.GetValue<long>()), $"{name}: listed size");
                Assert.That(Convert.ToHexStringLower(MD5.HashData(body)), Is.EqualTo(hash), $"{name}: content matches listed ETag");
                Assert.That(response.Headers.ETag?.Tag.Trim('"') ?? response.Headers.GetValues("ETag").First(), Is.EqualTo(hash));
                Assert.That(IsComplete(name, body), Is.True, $"{name}: content is one whole upload");
                bytes += body.LongLength;
            }
            // Every upload the server acknowledged before dying survived (with that or a later version).
            var listed = listing.Select(e => e!["name"]!.GetValue<string>()).ToHashSet();
            Assert.That(acknowledged.Keys.Where(k => !listed.Contains(k)), Is.Empty, "acknowledged uploads are durable");

            using var head = await reader.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"{account}/crash"));
            Assert.That(head.Headers.GetValues("X-Container-Object-Count").Single(), Is.EqualTo(listing.Count.ToString()));
            Assert.That(head.Headers.GetValues("X-Container-Bytes-Used").Single(), Is.EqualTo(bytes.ToString()));
            Assert.That(Directory.EnumerateFiles(Path.Combine(data, "objects", "tmp")), Is.Empty, "unfinished uploads are cleared at start");
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>An upload's bytes: a header line naming it, then bytes derived from that header, so a torn or mixed body is detectable.</summary>
    private static byte[] Content(string name, int version, int size)
    {
        var header = Encoding.ASCII.GetBytes($"{name}|{version}|{size}\n");
        var body = new byte[Math.Max(size, header.Length)];
        header.CopyTo(body, 0);
        new Random(StableSeed(header)).NextBytes(body.AsSpan(header.Length));
        return body;
    }

    private static bool IsComplete(string name, byte[] body)
    {
        var newline = Array.IndexOf(body, (byte)'\n');
        if (newline < 0)
            return false;
        var fields = Encoding.ASCII.GetString(body, 0, newline).Split('|');
        if (fields.Length != 3 || fields[0] != name)
            return false;
        var expected = Content(name, int.Parse(fields[1]), int.Parse(fields[2]));
        return expected.AsSpan().SequenceEqual(body);
    }

    private static int StableSeed(byte[] header) => BitConverter.ToInt32(MD5.HashData(header), 0);

    private static HttpClient Client(string token)
    {
        var client = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Add("X-Auth-Token", token);
        return client;
    }

    private static async Task<(string Token, string ProjectId)> LoginAsync(string url)
    {
        using var client = new HttpClient();
        var auth = new JsonObject
        {
            ["auth"] = new JsonObject
            {
                ["identity"] = new JsonObject
                {
                    ["methods"] = new JsonArray("password"),
                    ["password"] = new JsonObject { ["user"] = new JsonObject { ["name"] = "admin", ["domain"] = new JsonObject { ["name"] = "Default" }, ["password"] = Password } },
                },
                ["scope"] = new JsonObject { ["project"] = new JsonObject { ["name"] = "admin", ["domain"] = new JsonObject { ["name"] = "Default" } } },
            },
        };
        using var response = await client.PostAsJsonAsync(url + "/identity/v3/auth/tokens", auth);
        Assert.That((int)response.StatusCode, Is.EqualTo(201), await response.Content.ReadAsStringAsync());
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return (response.Headers.GetValues("X-Subject-Token").Single(), body["token"]!["project"]!["id"]!.GetValue<string>());
    }
}
