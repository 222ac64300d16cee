using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Databases.Tests;

/// <summary>Trove's configuration groups as troveclient uses them: the parameter schema, values checked against it (all or nothing), changes, attachment at create, and no delete while attached.</summary>
[TestFixture(DatabaseEngine.Sqlite)]
[TestFixture(DatabaseEngine.Postgres)]
public class ConfigurationApiTests(DatabaseEngine engine) : DatabasesFixture(engine)
{
    private static JsonObject Group(string name, JsonObject values) => new()
    {
        ["configuration"] = new JsonObject
        {
            ["name"] = name, ["description"] = "tuned", ["values"] = values,
            ["datastore"] = new JsonObject { ["type"] = "postgresql", ["version"] = "15" },
        },
    };

    [Test]
    public async Task TheDatastoreVersionListsItsParametersWithTypesBoundsAndRestart()
    {
        var (status, body, _) = await Member(HttpMethod.Get, "/datastores/postgresql/versions/15/parameters");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        var parameters = body!["configuration-parameters"]!.AsArray();
        var maxConnections = parameters.Single(p => p!["name"]!.GetValue<string>() == "max_connections")!;
        Assert.That(maxConnections["type"]!.GetValue<string>(), Is.EqualTo("integer"));
        Assert.That(maxConnections["restart_required"]!.GetValue<bool>(), Is.True);
        Assert.That(maxConnections["min"]!.GetValue<long>(), Is.EqualTo(1));
        Assert.That(maxConnections["datastore_version_id"]!.GetValue<string>(), Is.EqualTo(VersionId));
        Assert.That(parameters.Select(p => p!["name"]!.GetValue<string>()), Is.SupersetOf(new[] { "shared_buffers", "work_mem", "statement_timeout", "log_min_duration_statement" }));

        var (one, workMem, _) = await Member(HttpMethod.Get, "/datastores/postgresql/versions/15/parameters/work_mem");
        Assert.That(one, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(workMem!["name"]!.GetValue<string>(), Is.EqualTo("work_mem"));
        Assert.That(workMem["restart_required"]!.GetValue<bool>(), Is.False);
        Assert.That((await Member(HttpMethod.Get, $"/datastores/versions/{VersionId}/parameters")).Body!["configuration-parameters"]!.AsArray(), Has.Count.EqualTo(parameters.Count));
        Assert.That((await Member(HttpMethod.Get, "/datastores/postgresql/versions/15/parameters/no_such")).Status, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task AGroupWithValidValuesIsCreatedShownListedChangedAndDeleted()
    {
        var name = Unique("cfg");
        var (created, body, _) = await Member(HttpMethod.Post, "/configurations", Group(name, new JsonObject { ["work_mem"] = 4096, ["max_connections"] = "50", ["autovacuum"] = false }));
        Assert.That(created, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        var group = body!["configuration"]!;
        var id = group["id"]!.GetValue<string>();
        Assert.That(group["datastore_name"]!.GetValue<string>(), Is.EqualTo("postgresql"));
        Assert.That(group["datastore_version_name"]!.GetValue<string>(), Is.EqualTo("15"));
        Assert.That(group["values"]!["work_mem"]!.GetValue<long>(), Is.EqualTo(4096));
        Assert.That(group["values"]!["max_connections"]!.GetValue<long>(), Is.EqualTo(50), "a number given as text is stored as the number");
        Assert.That(group["values"]!["autovacuum"]!.GetValue<bool>(), Is.False);
        Assert.That(group["instance_count"]!.GetValue<long>(), Is.EqualTo(0));

        var (_, list, _) = await Member(HttpMethod.Get, "/configurations");
        Assert.That(list!["configurations"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()), Does.Contain(name));

        // PATCH adds to the values, PUT replaces them.
        Assert.That((await Member(HttpMethod.Patch, $"/configurations/{id}", new JsonObject { ["configuration"] = new JsonObject { ["values"] = new JsonObject { ["statement_timeout"] = 1000 } } })).Status, Is.EqualTo(HttpStatusCode.OK));
        var values = (await Member(HttpMethod.Get, $"/configurations/{id}")).Body!["configuration"]!["values"]!.AsObject();
        Assert.That(values.Select(v => v.Key), Is.EquivalentTo(new[] { "work_mem", "max_connections", "autovacuum", "statement_timeout" }));
        Assert.That((await Member(HttpMethod.Put, $"/configurations/{id}", new JsonObject { ["configuration"] = new JsonObject { ["values"] = new JsonObject { ["work_mem"] = 8192 } } })).Status, Is.EqualTo(HttpStatusCode.Accepted));
        values = (await Member(HttpMethod.Get, $"/configurations/{id}")).Body!["configuration"]!["values"]!.AsObject();
        Assert.That(values.Select(v => v.Key), Is.EqualTo(new[] { "work_mem" }));
        Assert.That(values["work_mem"]!.GetValue<long>(), Is.EqualTo(8192));

        Assert.That((await Member(HttpMethod.Delete, $"/configurations/{id}")).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That((await Member(HttpMethod.Get, $"/configurations/{id}")).Status, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [TestCase("no_such_parameter", "1", "not supported")]
    [TestCase("max_connections", "0", "must be from 1 to 10000")]
    [TestCase("max_connections", "100000", "must be from 1 to 10000")]
    [TestCase("max_connections", "\"many\"", "not of type integer")]
    [TestCase("autovacuum", "\"maybe\"", "not of type boolean")]
    [TestCase("random_page_cost", "\"x\"", "not of type float")]
    [TestCase("log_statement", "\"all'; DROP\"", "must be 1 to 255")]
    public async Task AnInvalidValueIsRefusedAndNothingIsStored(string parameter, string value, string message)
    {
        var name = Unique("bad");
        var values = new JsonObject { ["work_mem"] = 4096, [parameter] = JsonNode.Parse(value) };
        var (status, fault, _) = await Member(HttpMethod.Post, "/configurations", Group(name, values));
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(fault!["badRequest"]!["code"]!.GetValue<int>(), Is.EqualTo(400));
        Assert.That(fault["badRequest"]!["message"]!.GetValue<string>(), Does.Contain(message));
        var (_, list, _) = await Member(HttpMethod.Get, "/configurations");
        Assert.That(list!["configurations"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()), Does.Not.Contain(name));
    }

    [Test]
    public async Task AGroupAttachedAtCreateIsShownOnTheInstanceAndCannotBeDeletedUntilTheInstanceIsGone()
    {
        var (_, body, _) = await Member(HttpMethod.Post, "/configurations", Group(Unique("attached"), new JsonObject { ["work_mem"] = 2048 }));
        var configurationId = body!["configuration"]!["id"]!.GetValue<string>();
        var create = CreateBody(Unique("withcfg"));
        create["instance"]!["configuration"] = configurationId;
        var (created, instanceBody, _) = await Member(HttpMethod.Post, "/instances", create);
        Assert.That(created, Is.EqualTo(HttpStatusCode.OK), instanceBody?.ToJsonString());
        var instanceId = instanceBody!["instance"]!["id"]!.GetValue<string>();
        Assert.That(instanceBody["instance"]!["configuration"]!["id"]!.GetValue<string>(), Is.EqualTo(configurationId));

        var (_, instances, _) = await Member(HttpMethod.Get, $"/configurations/{configurationId}/instances");
        Assert.That(instances!["instances"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()), Is.EqualTo(new[] { instanceId }));
        Assert.That((await Member(HttpMethod.Get, $"/configurations/{configurationId}")).Body!["configuration"]!["instance_count"]!.GetValue<long>(), Is.EqualTo(1));

        var (refused, fault, _) = await Member(HttpMethod.Delete, $"/configurations/{configurationId}");
        Assert.That(refused, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(fault!["badRequest"]!["message"]!.GetValue<string>(), Does.Contain("attached"));

        // Attaching needs a running instance (Trove's 422 while it builds).
        var (notReady, _, _) = await Member(HttpMethod.Put, $"/instances/{instanceId}", new JsonObject { ["instance"] = new JsonObject { ["configuration"] = configurationId } });
        Assert.That(notReady, Is.EqualTo((HttpStatusCode)422));

        Assert.That((await Member(HttpMethod.Delete, $"/instances/{instanceId}")).Status, Is.EqualTo(HttpStatusCode.Accepted));
        for (var i = 0; i < 600 && (await Member(HttpMethod.Get, $"/instances/{instanceId}")).Status != HttpStatusCode.NotFound; i++)
            await Task.Delay(100);
        Assert.That((await Member(HttpMethod.Delete, $"/configurations/{configurationId}")).Status, Is.EqualTo(HttpStatusCode.Accepted));
    }

    [Test]
    public async Task AnUnknownGroupAtInstanceCreateIsNotFoundAndCreatesNothing()
    {
        var name = Unique("nocfg");
        var create = CreateBody(name);
        create["instance"]!["configuration"] = Guid.NewGuid().ToString();
        Assert.That((await Member(HttpMethod.Post, "/instances", create)).Status, Is.EqualTo(HttpStatusCode.NotFound));
        var (_, list, _) = await Member(HttpMethod.Get, "/instances");
        Assert.That(list!["instances"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()), Does.Not.Contain(name));
    }
}
