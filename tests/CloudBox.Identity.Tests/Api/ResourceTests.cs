using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Identity.Tests.Api;

public class ResourceTests(DatabaseEngine engine) : EngineFixture(engine)
{
    private static readonly HttpMethod Patch = new("PATCH");

    [Test]
    public async Task ProjectLifecycleWithTagsExtraAttributesAndConflicts()
    {
        var name = Unique("p");
        var (status, created, _) = await Server.SendAsync(HttpMethod.Post, "/identity/v3/projects", AdminToken,
            new JsonObject { ["project"] = new JsonObject { ["name"] = name, ["description"] = "d", ["tags"] = new JsonArray("a", "b"), ["colour"] = "blue" } });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created));
        var project = created!["project"]!;
        var id = project["id"]!.GetValue<string>();
        Assert.Multiple(() =>
        {
            Assert.That(project["domain_id"]!.GetValue<string>(), Is.EqualTo("default"));
            Assert.That(project["parent_id"]!.GetValue<string>(), Is.EqualTo("default"));
            Assert.That(project["colour"]!.GetValue<string>(), Is.EqualTo("blue"), "extra attributes are kept");
            Assert.That(project["links"]!["self"]!.GetValue<string>(), Is.EqualTo($"{Server.BaseUrl}/identity/v3/projects/{id}"));
        });

        var duplicate = await Server.SendAsync(HttpMethod.Post, "/identity/v3/projects", AdminToken, new JsonObject { ["project"] = new JsonObject { ["name"] = name } });
        Assert.That(duplicate.Status, Is.EqualTo(HttpStatusCode.Conflict));

        var (_, byTag, _) = await Server.SendAsync(HttpMethod.Get, "/identity/v3/projects?tags=a,b", AdminToken);
        Assert.That(byTag!["projects"]!.AsArray().Select(p => p!["id"]!.GetValue<string>()), Does.Contain(id));
        var (_, notTag, _) = await Server.SendAsync(HttpMethod.Get, "/identity/v3/projects?not-tags-any=a", AdminToken);
        Assert.That(notTag!["projects"]!.AsArray().Select(p => p!["id"]!.GetValue<string>()), Does.Not.Contain(id));

        var (updateStatus, updated, _) = await Server.SendAsync(Patch, $"/identity/v3/projects/{id}", AdminToken,
            new JsonObject { ["project"] = new JsonObject { ["name"] = name + "-x", ["enabled"] = false } });
        Assert.That(updateStatus, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(updated!["project"]!["enabled"]!.GetValue<bool>(), Is.False);
        Assert.That(updated["project"]!["colour"]!.GetValue<string>(), Is.EqualTo("blue"));

        var (_, child, _) = await Server.SendAsync(HttpMethod.Post, "/identity/v3/projects", AdminToken,
            new JsonObject { ["project"] = new JsonObject { ["name"] = Unique("child"), ["parent_id"] = id } });
        Assert.That(child!["project"]!["parent_id"]!.GetValue<string>(), Is.EqualTo(id));
        Assert.That((await Server.SendAsync(HttpMethod.Delete, $"/identity/v3/projects/{id}", AdminToken)).Status, Is.EqualTo(HttpStatusCode.Forbidden), "has a child");
        await Server.SendAsync(HttpMethod.Delete, $"/identity/v3/projects/{child["project"]!["id"]!.GetValue<string>()}", AdminToken);
        Assert.That((await Server.SendAsync(HttpMethod.Delete, $"/identity/v3/projects/{id}", AdminToken)).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await Server.SendAsync(HttpMethod.Get, $"/identity/v3/projects/{id}", AdminToken)).Status, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task DomainMustBeDisabledBeforeDeletionAndTakesItsContentsAlong()
    {
        var (_, created, _) = await Server.SendAsync(HttpMethod.Post, "/identity/v3/domains", AdminToken, new JsonObject { ["domain"] = new JsonObject { ["name"] = Unique("d") } });
        var id = created!["domain"]!["id"]!.GetValue<string>();
        var (_, user, _) = await Server.SendAsync(HttpMethod.Post, "/identity/v3/users", AdminToken, new JsonObject { ["user"] = new JsonObject { ["name"] = "u", ["domain_id"] = id } });
        Assert.That((await Server.SendAsync(HttpMethod.Delete, $"/identity/v3/domains/{id}", AdminToken)).Status, Is.EqualTo(HttpStatusCode.Forbidden));
        await Server.SendAsync(Patch, $"/identity/v3/domains/{id}", AdminToken, new JsonObject { ["domain"] = new JsonObject { ["enabled"] = false } });
        Assert.That((await Server.SendAsync(HttpMethod.Delete, $"/identity/v3/domains/{id}", AdminToken)).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await Server.SendAsync(HttpMethod.Get, $"/identity/v3/users/{user!["user"]!["id"]}", AdminToken)).Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await Server.SendAsync(Patch, "/identity/v3/domains/default", AdminToken, new JsonObject { ["domain"] = new JsonObject { ["enabled"] = false } })).Status,
            Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task ImpliedRolesAreListedAndCyclesRefused()
    {
        var (_, a, _) = await Server.SendAsync(HttpMethod.Post, "/identity/v3/roles", AdminToken, new JsonObject { ["role"] = new JsonObject { ["name"] = Unique("ra") } });
        var (_, b, _) = await Server.SendAsync(HttpMethod.Post, "/identity/v3/roles", AdminToken, new JsonObject { ["role"] = new JsonObject { ["name"] = Unique("rb") } });
        var aId = a!["role"]!["id"]!.GetValue<string>();
        var bId = b!["role"]!["id"]!.GetValue<string>();
        Assert.That((await Server.SendAsync(HttpMethod.Put, $"/identity/v3/roles/{aId}/implies/{bId}", AdminToken)).Status, Is.EqualTo(HttpStatusCode.Created));
        Assert.That((await Server.SendAsync(HttpMethod.Put, $"/identity/v3/roles/{bId}/implies/{aId}", AdminToken)).Status, Is.EqualTo(HttpStatusCode.Forbidden));
        var (_, inferences, _) = await Server.SendAsync(HttpMethod.Get, "/identity/v3/role_inferences", AdminToken);
        Assert.That(inferences!["role_inferences"]!.AsArray().Any(i => i!["prior_role"]!["id"]!.GetValue<string>() == aId), Is.True);
        var duplicate = await Server.SendAsync(HttpMethod.Post, "/identity/v3/roles", AdminToken, new JsonObject { ["role"] = new JsonObject { ["name"] = a["role"]!["name"]!.DeepClone() } });
        Assert.That(duplicate.Status, Is.EqualTo(HttpStatusCode.Conflict));
    }

    [Test]
    public async Task NewEndpointAppearsInTheCatalog()
    {
        var (_, service, _) = await Server.SendAsync(HttpMethod.Post, "/identity/v3/services", AdminToken,
            new JsonObject { ["service"] = new JsonObject { ["type"] = "metric", ["name"] = Unique("gnocchi") } });
        var serviceId = service!["service"]!["id"]!.GetValue<string>();
        var (status, endpoint, _) = await Server.SendAsync(HttpMethod.Post, "/identity/v3/endpoints", AdminToken,
            new JsonObject { ["endpoint"] = new JsonObject { ["service_id"] = serviceId, ["interface"] = "public", ["region_id"] = "RegionOne", ["url"] = "http://127.0.0.1:9/metric" } });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created));
        var (_, catalog, _) = await Server.SendAsync(HttpMethod.Get, "/identity/v3/auth/catalog", AdminToken);
        var entry = catalog!["catalog"]!.AsArray().Single(s => s!["id"]!.GetValue<string>() == serviceId)!;
        Assert.That(entry["endpoints"]![0]!["url"]!.GetValue<string>(), Is.EqualTo("http://127.0.0.1:9/metric"));

        var bad = await Server.SendAsync(HttpMethod.Post, "/identity/v3/endpoints", AdminToken,
            new JsonObject { ["endpoint"] = new JsonObject { ["service_id"] = serviceId, ["interface"] = "sideways", ["url"] = "http://x" } });
        Assert.That(bad.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        await Server.SendAsync(HttpMethod.Delete, $"/identity/v3/endpoints/{endpoint!["endpoint"]!["id"]}", AdminToken);
        var (_, after, _) = await Server.SendAsync(HttpMethod.Get, "/identity/v3/auth/catalog", AdminToken);
        Assert.That(after!["catalog"]!.AsArray().Single(s => s!["id"]!.GetValue<string>() == serviceId)!["endpoints"]!.AsArray(), Is.Empty);
    }

    [Test]
    public async Task RegionsNestAndInUseRegionsStay()
    {
        var parent = Unique("r");
        Assert.That((await Server.SendAsync(HttpMethod.Post, "/identity/v3/regions", AdminToken, new JsonObject { ["region"] = new JsonObject { ["id"] = parent } })).Status, Is.EqualTo(HttpStatusCode.Created));
        var child = await Server.SendAsync(HttpMethod.Post, "/identity/v3/regions", AdminToken, new JsonObject { ["region"] = new JsonObject { ["parent_region_id"] = parent } });
        Assert.That(child.Body!["region"]!["parent_region_id"]!.GetValue<string>(), Is.EqualTo(parent));
        Assert.That((await Server.SendAsync(HttpMethod.Delete, $"/identity/v3/regions/{parent}", AdminToken)).Status, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That((await Server.SendAsync(HttpMethod.Delete, "/identity/v3/regions/RegionOne", AdminToken)).Status, Is.EqualTo(HttpStatusCode.Conflict), "has endpoints");
    }
}
