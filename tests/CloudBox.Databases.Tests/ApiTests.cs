using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Databases.Tests;

/// <summary>Trove's API as troveclient uses it: discovery, datastores, flavors, and every refusal in Trove's fault body.</summary>
[TestFixture(DatabaseEngine.Sqlite)]
[TestFixture(DatabaseEngine.Postgres)]
public class ApiTests(DatabaseEngine engine) : DatabasesFixture(engine)
{
    [Test]
    public async Task VersionDiscoveryAnswersV1()
    {
        var (status, body, _) = await Cloud.SendAsync(HttpMethod.Get, "/database/", null);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body!["versions"]![0]!["id"]!.GetValue<string>(), Is.EqualTo("v1.0"));
        Assert.That(body["versions"]![0]!["status"]!.GetValue<string>(), Is.EqualTo("CURRENT"));
    }

    [Test]
    public async Task CatalogPublishesTheDatabaseServiceWithTheProjectInItsUrl()
    {
        var (_, body, _) = await Cloud.SendAsync(HttpMethod.Get, "/identity/v3/auth/catalog", MemberToken);
        var service = body!["catalog"]!.AsArray().Single(s => s!["type"]!.GetValue<string>() == "database");
        var url = service!["endpoints"]![0]!["url"]!.GetValue<string>();
        Assert.That(url, Does.EndWith($"/database/v1.0/{ProjectId}"));
    }

    [Test]
    public async Task MembersSeeDatastoresAndTheirVersionsButCannotRegisterThem()
    {
        var (status, body, _) = await Member(HttpMethod.Get, "/datastores");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        var datastore = body!["datastores"]!.AsArray().Single(d => d!["name"]!.GetValue<string>() == "postgresql")!;
        Assert.That(datastore["default_version"]!.GetValue<string>(), Is.EqualTo(VersionId));
        Assert.That(datastore["versions"]!.AsArray().Select(v => v!["name"]!.GetValue<string>()), Does.Contain("15"));

        var (byName, version, _) = await Member(HttpMethod.Get, "/datastores/postgresql/versions/15");
        Assert.That(byName, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(version!["version"]!["id"]!.GetValue<string>(), Is.EqualTo(VersionId));
        Assert.That(version["version"]!["datastore_manager"], Is.Null, "the manager is for admins");

        var (refused, fault, _) = await Member(HttpMethod.Post, "/mgmt/datastore-versions", new JsonObject
        {
            ["version"] = new JsonObject { ["name"] = "16", ["datastore_name"] = "postgresql", ["datastore_manager"] = "postgresql", ["image"] = Guid.NewGuid().ToString() },
        });
        Assert.That(refused, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(fault!["forbidden"]!["code"]!.GetValue<int>(), Is.EqualTo(403));
    }

    [Test]
    public async Task AnotherProjectInTheUrlIsRefused()
    {
        var (status, _, _) = await Trove(HttpMethod.Get, AdminProjectId, "/instances", MemberToken);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task FlavorsAreComputesAsTheCallerSeesThem()
    {
        var (status, body, _) = await Member(HttpMethod.Get, "/flavors");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body!["flavors"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()), Does.Contain("m1.tiny"));
        var (one, flavor, _) = await Member(HttpMethod.Get, "/flavors/m1.small");
        Assert.That(one, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(flavor!["flavor"]!["ram"]!.GetValue<int>(), Is.EqualTo(2048));
    }

    [TestCase("no flavor", "flavorRef", HttpStatusCode.BadRequest)]
    [TestCase("size 0", "volume size", HttpStatusCode.BadRequest)]
    [TestCase("size too big", "volume size", HttpStatusCode.BadRequest)]
    [TestCase("bad database name", "not a valid database name", HttpStatusCode.BadRequest)]
    [TestCase("reserved database", "reserved", HttpStatusCode.BadRequest)]
    [TestCase("reserved user", "reserved", HttpStatusCode.BadRequest)]
    [TestCase("user without password", "password", HttpStatusCode.BadRequest)]
    [TestCase("user with unknown database", "not among the databases", HttpStatusCode.BadRequest)]
    [TestCase("too many databases", "At most 100 databases", HttpStatusCode.BadRequest)]
    [TestCase("unknown datastore", "cannot be found", HttpStatusCode.NotFound)]
    [TestCase("unknown flavor", "cannot be found", HttpStatusCode.NotFound)]
    [TestCase("bad cidr", "is not a CIDR", HttpStatusCode.BadRequest)]
    [TestCase("replica", "not supported", HttpStatusCode.BadRequest)]
    public async Task BadCreateRequestsAreRefusedBeforeAnythingIsBuilt(string what, string message, HttpStatusCode expected)
    {
        var body = CreateBody(Unique("bad"));
        var instance = body["instance"]!.AsObject();
        switch (what)
        {
            case "no flavor": instance.Remove("flavorRef"); break;
            case "size 0": instance["volume"] = new JsonObject { ["size"] = 0 }; break;
            case "size too big": instance["volume"] = new JsonObject { ["size"] = 1_000_000 }; break;
            case "bad database name": instance["databases"] = new JsonArray(new JsonObject { ["name"] = "no spaces; drop" }); break;
            case "reserved database": instance["databases"] = new JsonArray(new JsonObject { ["name"] = "postgres" }); break;
            case "reserved user": instance["users"] = new JsonArray(new JsonObject { ["name"] = "postgres", ["password"] = "x" }); break;
            case "user without password": instance["users"] = new JsonArray(new JsonObject { ["name"] = "u1" }); break;
            case "user with unknown database":
                instance["users"] = new JsonArray(new JsonObject { ["name"] = "u1", ["password"] = "x", ["databases"] = new JsonArray(new JsonObject { ["name"] = "other" }) });
                break;
            case "too many databases":
                instance["databases"] = new JsonArray(Enumerable.Range(0, 101).Select(i => (JsonNode)new JsonObject { ["name"] = "db" + i }).ToArray());
                break;
            case "unknown datastore": instance["datastore"] = new JsonObject { ["type"] = "oracle" }; break;
            case "unknown flavor": instance["flavorRef"] = "m9.huge"; break;
            case "bad cidr": instance["access"] = new JsonObject { ["allowed_cidrs"] = new JsonArray("10.0.0.0/40") }; break;
            case "replica": instance["replica_of"] = Guid.NewGuid().ToString(); break;
        }
        var (status, fault, _) = await Member(HttpMethod.Post, "/instances", body);
        Assert.That(status, Is.EqualTo(expected), fault?.ToJsonString());
        var inner = fault!.AsObject().Single().Value!;
        Assert.That(inner["code"]!.GetValue<int>(), Is.EqualTo((int)expected));
        Assert.That(inner["message"]!.GetValue<string>(), Does.Contain(message));

        var (_, list, _) = await Member(HttpMethod.Get, "/instances");
        Assert.That(list!["instances"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()), Does.Not.Contain(instance["name"]!.GetValue<string>()));
    }

    [Test]
    public async Task UnknownInstanceIsItemNotFound()
    {
        var (status, fault, _) = await Member(HttpMethod.Get, "/instances/" + Guid.NewGuid());
        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(fault!["itemNotFound"]!["code"]!.GetValue<int>(), Is.EqualTo(404));
    }

    [Test]
    public async Task ListsArePagedWithNextLinks()
    {
        var names = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var name = Unique("paged");
            var (status, body, _) = await Member(HttpMethod.Post, "/instances", CreateBody(name));
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
            names.Add(name);
        }
        var seen = new List<string>();
        string? marker = null;
        for (var page = 0; page < 10; page++)
        {
            var (_, body, _) = await Member(HttpMethod.Get, "/instances?limit=2" + (marker is null ? "" : "&marker=" + marker));
            var items = body!["instances"]!.AsArray();
            Assert.That(items, Has.Count.LessThanOrEqualTo(2));
            seen.AddRange(items.Select(i => i!["name"]!.GetValue<string>()));
            var next = body["links"]!.AsArray().FirstOrDefault(l => l!["rel"]!.GetValue<string>() == "next");
            if (next is null)
                break;
            marker = items[^1]!["id"]!.GetValue<string>();
        }
        Assert.That(seen, Is.SupersetOf(names));
        Assert.That(seen, Is.Unique);
        var (badLimit, _, _) = await Member(HttpMethod.Get, "/instances?limit=zero");
        Assert.That(badLimit, Is.EqualTo(HttpStatusCode.BadRequest));
    }
}
