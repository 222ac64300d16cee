using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Testing;

namespace CloudBox.Orchestration.Tests;

/// <summary>Stacks through the Heat API of a real host: create, outputs, update by difference, delete, and resume after a restart.</summary>
[TestFixture(DatabaseEngine.Sqlite)]
[TestFixture(DatabaseEngine.Postgres)]
public class StackEngineTests(DatabaseEngine engine) : HeatFixture(engine)
{
    private const string Template =
        """
        heat_template_version: 2018-08-31
        parameters:
          v: {type: string, default: one}
          slow: {type: number, default: 0}
        resources:
          secret: {type: OS::Heat::RandomString, properties: {length: 12}}
          holder:
            type: OS::Heat::Value
            properties: {value: {list_join: ['-', [{get_param: v}, {get_attr: [secret, value]}]]}}
          test:
            type: OS::Heat::TestResource
            properties: {value: {get_param: v}, wait_secs: {get_param: slow}}
        outputs:
          joined: {value: {get_attr: [holder, value]}}
          out: {value: {get_attr: [test, output]}}
        """;

    private async Task<JsonNode> WaitOrFailAsync(string name, string wanted)
    {
        for (var i = 0; i < 400; i++)
        {
            var (status, body, _) = await Cloud.SendAsync(HttpMethod.Get, Url($"/stacks/{name}"), Token);
            if (status == HttpStatusCode.OK && body!["stack"]!["stack_status"]!.ToString() is var s && (s == wanted || s.EndsWith("FAILED", StringComparison.Ordinal)))
                return body["stack"]!;
            await Task.Delay(100);
        }
        throw new TimeoutException($"{name} never reached {wanted}");
    }

    [Test]
    public async Task CreateUpdateAndDeleteConvergeByDifference()
    {
        var name = "s" + Guid.NewGuid().ToString("N")[..8];
        var (created, body, _) = await Cloud.SendAsync(HttpMethod.Post, Url("/stacks"), Token, new JsonObject { ["stack_name"] = name, ["template"] = Template });
        Assert.That(created, Is.EqualTo(HttpStatusCode.Created), body?.ToJsonString());
        var stack = await WaitOrFailAsync(name, "CREATE_COMPLETE");
        Assert.That(stack["stack_status"]!.ToString(), Is.EqualTo("CREATE_COMPLETE"), stack["stack_status_reason"]?.ToString());
        var outputs = stack["outputs"]!.AsArray();
        var joined = outputs.First(o => o!["output_key"]!.ToString() == "joined")!["output_value"]!.ToString();
        Assert.That(joined, Does.StartWith("one-").And.Length.EqualTo(16));

        var (_, resources, _) = await Cloud.SendAsync(HttpMethod.Get, Url($"/stacks/{name}/{stack["id"]}/resources"), Token);
        var secretId = resources!["resources"]!.AsArray().First(r => r!["resource_name"]!.ToString() == "secret")!["physical_resource_id"]!.ToString();

        // PATCH with a new parameter: the secret is untouched, the value and test resource update in place.
        var (patched, _, _) = await Cloud.SendAsync(HttpMethod.Patch, Url($"/stacks/{name}/{stack["id"]}"), Token, new JsonObject { ["parameters"] = new JsonObject { ["v"] = "two" } });
        Assert.That(patched, Is.EqualTo(HttpStatusCode.Accepted));
        stack = await WaitOrFailAsync(name, "UPDATE_COMPLETE");
        Assert.That(stack["stack_status"]!.ToString(), Is.EqualTo("UPDATE_COMPLETE"), stack["stack_status_reason"]?.ToString());
        Assert.That(stack["outputs"]!.AsArray().First(o => o!["output_key"]!.ToString() == "joined")!["output_value"]!.ToString(), Is.EqualTo(joined.Replace("one-", "two-", StringComparison.Ordinal)));
        (_, resources, _) = await Cloud.SendAsync(HttpMethod.Get, Url($"/stacks/{name}/{stack["id"]}/resources"), Token);
        var rows = resources!["resources"]!.AsArray();
        Assert.That(rows.First(r => r!["resource_name"]!.ToString() == "secret")!["physical_resource_id"]!.ToString(), Is.EqualTo(secretId));
        Assert.That(rows.First(r => r!["resource_name"]!.ToString() == "test")!["resource_status"]!.ToString(), Is.EqualTo("UPDATE_COMPLETE"));

        var (_, events, _) = await Cloud.SendAsync(HttpMethod.Get, Url($"/stacks/{name}/{stack["id"]}/events"), Token);
        Assert.That(events!["events"]!.AsArray().Select(e => e!["resource_status"]!.ToString()), Does.Contain("UPDATE_IN_PROGRESS").And.Contain("CREATE_COMPLETE"));

        var (deleted, _, _) = await Cloud.SendAsync(HttpMethod.Delete, Url($"/stacks/{name}/{stack["id"]}"), Token);
        Assert.That(deleted, Is.EqualTo(HttpStatusCode.NoContent));
        for (var i = 0; i < 100; i++)
        {
            var (status, _, _) = await Cloud.SendAsync(HttpMethod.Get, Url($"/stacks/{name}/{stack["id"]}"), Token);
            if (status == HttpStatusCode.NotFound)
                return;
            await Task.Delay(100);
        }
        Assert.Fail("the stack was not deleted");
    }

    [Test]
    public async Task ABrokenTemplateIsRefusedNamingThePath()
    {
        var broken = "heat_template_version: 2013-05-23\nresources:\n  a:\n    type: OS::Heat::Value\n    properties:\n      value: {list_join: [',', [x]]}\n";
        var (status, body, _) = await Cloud.SendAsync(HttpMethod.Post, Url("/stacks"), Token, new JsonObject { ["stack_name"] = "broken", ["template"] = broken });
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(body!["error"]!["message"]!.ToString(), Does.Contain("resources.a.properties.value").And.Contain("line 6"));
        Assert.That(body["code"]!.GetValue<int>(), Is.EqualTo(400));
    }

    [Test]
    public async Task AFailureRollsBackWhenAsked()
    {
        var name = "f" + Guid.NewGuid().ToString("N")[..8];
        var template = "heat_template_version: 2013-05-23\nresources:\n  ok: {type: OS::Heat::RandomString}\n  bad: {type: OS::Heat::TestResource, properties: {fail: true}, depends_on: ok}\n";
        await Cloud.SendAsync(HttpMethod.Post, Url("/stacks"), Token, new JsonObject { ["stack_name"] = name, ["template"] = template, ["disable_rollback"] = false });
        var stack = await WaitOrFailAsync(name, "ROLLBACK_COMPLETE");
        for (var i = 0; i < 50 && stack["stack_status"]!.ToString() != "ROLLBACK_COMPLETE"; i++)
            stack = await WaitOrFailAsync(name, "ROLLBACK_COMPLETE");
        Assert.That(stack["stack_status"]!.ToString(), Is.EqualTo("ROLLBACK_COMPLETE"));
        var (_, resources, _) = await Cloud.SendAsync(HttpMethod.Get, Url($"/stacks/{name}/{stack["id"]}/resources"), Token);
        Assert.That(resources!["resources"]!.AsArray(), Is.Empty);
    }

    [Test]
    public async Task ACreateCutShortByARestartCompletes()
    {
        var name = "r" + Guid.NewGuid().ToString("N")[..8];
        var (created, _, _) = await Cloud.SendAsync(HttpMethod.Post, Url("/stacks"), Token,
            new JsonObject { ["stack_name"] = name, ["template"] = Template, ["parameters"] = new JsonObject { ["slow"] = "2" } });
        Assert.That(created, Is.EqualTo(HttpStatusCode.Created));
        await Task.Delay(500);
        await Cloud.RestartAsync();
        Token = await Cloud.AdminTokenAsync();
        var stack = await WaitOrFailAsync(name, "CREATE_COMPLETE");
        Assert.That(stack["stack_status"]!.ToString(), Is.EqualTo("CREATE_COMPLETE"), stack["stack_status_reason"]?.ToString());
        var (_, resources, _) = await Cloud.SendAsync(HttpMethod.Get, Url($"/stacks/{name}/{stack["id"]}/resources"), Token);
        Assert.That(resources!["resources"]!.AsArray().Select(r => r!["resource_status"]!.ToString()), Is.All.EqualTo("CREATE_COMPLETE"));
        Assert.That(resources["resources"]!.AsArray(), Has.Count.EqualTo(3));
    }
}

/// <summary>Nested stacks: a ResourceGroup of members built in parallel and a template resource from the files map.</summary>
[TestFixture(DatabaseEngine.Sqlite)]
public class NestedStackTests(DatabaseEngine engine)
{
    [Test]
    public async Task GroupsAndTemplateResourcesBuildNestedStacks()
    {
        await using var cloud = await TestCloud.StartAsync(engine, new OrchestrationModule());
        var token = await cloud.AdminTokenAsync();
        var (_, projects, _) = await cloud.SendAsync(HttpMethod.Get, "/identity/v3/auth/projects", token);
        var project = projects!["projects"]!.AsArray().First(p => p!["name"]!.ToString() == "admin")!["id"]!.ToString();
        var template =
            """
            heat_template_version: 2016-10-14
            resources:
              group:
                type: OS::Heat::ResourceGroup
                properties:
                  count: 10
                  resource_def: {type: OS::Heat::TestResource, properties: {value: 'member-%index%', wait_secs: 0.3}}
              child:
                type: child.yaml
                properties: {greeting: hi}
            outputs:
              refs: {value: {get_attr: [group, refs]}}
              said: {value: {get_attr: [child, said]}}
            """;
        var child = "heat_template_version: 2016-10-14\nparameters:\n  greeting: {type: string}\nresources:\n  v: {type: OS::Heat::Value, properties: {value: {get_param: greeting}}}\noutputs:\n  said: {value: {get_attr: [v, value]}}\n";
        var (status, body, _) = await cloud.SendAsync(HttpMethod.Post, $"/orchestration/v1/{project}/stacks", token,
            new JsonObject { ["stack_name"] = "nested", ["template"] = template, ["files"] = new JsonObject { ["child.yaml"] = child } });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), body?.ToJsonString());
        JsonNode stack = null!;
        for (var i = 0; i < 300; i++)
        {
            (_, body, _) = await cloud.SendAsync(HttpMethod.Get, $"/orchestration/v1/{project}/stacks/nested", token);
            stack = body!["stack"]!;
            if (stack["stack_status"]!.ToString() != "CREATE_IN_PROGRESS")
                break;
            await Task.Delay(100);
        }
        Assert.That(stack["stack_status"]!.ToString(), Is.EqualTo("CREATE_COMPLETE"), stack["stack_status_reason"]?.ToString());
        var (_, groupRow, _) = await cloud.SendAsync(HttpMethod.Get, $"/orchestration/v1/{project}/stacks/nested/{stack["id"]}/resources/group", token);
        var groupStack = groupRow!["resource"]!["physical_resource_id"]!.ToString();
        var (_, events, _) = await cloud.SendAsync(HttpMethod.Get, $"/orchestration/v1/{project}/stacks/{groupStack}/events", token);
        var memberEvents = events!["events"]!.AsArray().Where(e => e!["resource_type"]!.ToString() == "OS::Heat::TestResource").Select(e => e!["resource_status"]!.ToString()).ToList();
        var startedBeforeFirstDone = memberEvents.TakeWhile(s => s != "CREATE_COMPLETE").Count(s => s == "CREATE_IN_PROGRESS");
        Assert.That(startedBeforeFirstDone, Is.GreaterThanOrEqualTo(5), "the members were built in parallel: " + string.Join(",", memberEvents));
        var outputs = stack["outputs"]!.AsArray();
        Assert.That(outputs.First(o => o!["output_key"]!.ToString() == "refs")!["output_value"]!.AsArray(), Has.Count.EqualTo(10));
        Assert.That(outputs.First(o => o!["output_key"]!.ToString() == "said")!["output_value"]!.ToString(), Is.EqualTo("hi"));
        var (_, list, _) = await cloud.SendAsync(HttpMethod.Get, $"/orchestration/v1/{project}/stacks", token);
        Assert.That(list!["stacks"]!.AsArray(), Has.Count.EqualTo(1), "nested stacks are hidden from the default list");
        var (_, nestedList, _) = await cloud.SendAsync(HttpMethod.Get, $"/orchestration/v1/{project}/stacks?show_nested=true", token);
        Assert.That(nestedList!["stacks"]!.AsArray(), Has.Count.EqualTo(3));

        await cloud.SendAsync(HttpMethod.Delete, $"/orchestration/v1/{project}/stacks/nested/{stack["id"]}", token);
        for (var i = 0; i < 300; i++)
        {
            (_, nestedList, _) = await cloud.SendAsync(HttpMethod.Get, $"/orchestration/v1/{project}/stacks?show_nested=true", token);
            if (nestedList!["stacks"]!.AsArray().Count == 0)
                return;
            await Task.Delay(100);
        }
        Assert.Fail("the nested stacks were not deleted with their parent");
    }
}
