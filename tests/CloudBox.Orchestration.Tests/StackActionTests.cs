using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Testing;

namespace CloudBox.Orchestration.Tests;

/// <summary>
/// Stack actions through the Heat API of a real host: check, suspend and resume (through a nested
/// stack too), mark-unhealthy and the replacement it leads to, cancel_update rolling an update
/// back, and cancel_without_rollback stopping a create.
/// </summary>
[TestFixture(DatabaseEngine.Sqlite)]
[TestFixture(DatabaseEngine.Postgres)]
public class StackActionTests(DatabaseEngine engine) : HeatFixture(engine)
{
    private const string Template =
        """
        heat_template_version: 2016-10-14
        parameters:
          v: {type: string, default: one}
          slow: {type: number, default: 0}
        resources:
          secret: {type: OS::Heat::RandomString, properties: {length: 10}}
          test:
            type: OS::Heat::TestResource
            properties: {value: {get_param: v}, action_wait_secs: {update: {get_param: slow}}}
          group:
            type: OS::Heat::ResourceGroup
            properties: {count: 2, resource_def: {type: OS::Heat::RandomString}}
        outputs:
          out: {value: {get_attr: [test, output]}}
        """;

    private async Task<JsonNode> CreateAsync(string name, string template)
    {
        var (created, body, _) = await Cloud.SendAsync(HttpMethod.Post, Url("/stacks"), Token, new JsonObject { ["stack_name"] = name, ["template"] = template });
        Assert.That(created, Is.EqualTo(HttpStatusCode.Created), body?.ToJsonString());
        return await WaitAsync(name, "CREATE_COMPLETE");
    }

    private async Task<HttpStatusCode> ActAsync(string name, string action, JsonNode? body = null)
    {
        // POST to the canonical URL: .NET's client would follow the lookup's 302 with a GET.
        var (_, shown, _) = await Cloud.SendAsync(HttpMethod.Get, Url($"/stacks/{name}"), Token);
        var (status, answer, _) = await Cloud.SendAsync(HttpMethod.Post, Url($"/stacks/{name}/{shown!["stack"]!["id"]}/actions"), Token, body ?? new JsonObject { [action] = null });
        TestContext.Out.WriteLine($"{action}: {(int)status} {answer?.ToJsonString()}");
        return status;
    }

    private async Task<Dictionary<string, JsonNode>> ResourcesAsync(string name)
    {
        var (_, body, _) = await Cloud.SendAsync(HttpMethod.Get, Url($"/stacks/{name}/resources"), Token);
        return body!["resources"]!.AsArray().ToDictionary(r => r!["resource_name"]!.ToString(), r => r!);
    }

    private async Task<string> NestedStatusAsync(string name)
    {
        var group = (await ResourcesAsync(name))["group"]["physical_resource_id"]!.ToString();
        var (_, body, _) = await Cloud.SendAsync(HttpMethod.Get, Url($"/stacks/{group}"), Token);
        return body!["stack"]!["stack_status"]!.ToString();
    }

    [Test]
    public async Task CheckSuspendAndResumeReachHeatsStatesDownToNestedStacks()
    {
        var name = "a" + Guid.NewGuid().ToString("N")[..8];
        await CreateAsync(name, Template);

        Assert.That(await ActAsync(name, "check"), Is.EqualTo(HttpStatusCode.OK));
        await WaitAsync(name, "CHECK_COMPLETE");
        Assert.That((await ResourcesAsync(name)).Values.Select(r => r["resource_status"]!.ToString()), Is.All.EqualTo("CHECK_COMPLETE"));
        Assert.That(await NestedStatusAsync(name), Is.EqualTo("CHECK_COMPLETE"));

        Assert.That(await ActAsync(name, "resume"), Is.EqualTo(HttpStatusCode.BadRequest), "only a suspended stack resumes");
        Assert.That(await ActAsync(name, "suspend"), Is.EqualTo(HttpStatusCode.OK));
        await WaitAsync(name, "SUSPEND_COMPLETE");
        Assert.That((await ResourcesAsync(name)).Values.Select(r => r["resource_status"]!.ToString()), Is.All.EqualTo("SUSPEND_COMPLETE"));
        Assert.That(await NestedStatusAsync(name), Is.EqualTo("SUSPEND_COMPLETE"));
        var (update, refusal, _) = await Cloud.SendAsync(HttpMethod.Patch, Url($"/stacks/{name}"), Token, new JsonObject { ["parameters"] = new JsonObject { ["v"] = "two" } });
        Assert.That(update, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(refusal!["error"]!["message"]!.ToString(), Does.Contain("suspended"));

        Assert.That(await ActAsync(name, "resume"), Is.EqualTo(HttpStatusCode.OK));
        await WaitAsync(name, "RESUME_COMPLETE");
        Assert.That(await NestedStatusAsync(name), Is.EqualTo("RESUME_COMPLETE"));
        var (_, events, _) = await Cloud.SendAsync(HttpMethod.Get, Url($"/stacks/{name}/events?resource_action=SUSPEND"), Token);
        Assert.That(events!["events"]!.AsArray().Select(e => e!["resource_status"]!.ToString()), Has.Some.EqualTo("SUSPEND_COMPLETE"));

        Assert.That(await ActAsync(name, "", new JsonObject { ["explode"] = null }), Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await ActAsync(name, "cancel_update"), Is.EqualTo(HttpStatusCode.BadRequest), "nothing to cancel");
    }

    [Test]
    public async Task AResourceMarkedUnhealthyIsReplacedByTheNextUpdate()
    {
        var name = "u" + Guid.NewGuid().ToString("N")[..8];
        await CreateAsync(name, Template);
        var before = (await ResourcesAsync(name))["secret"]["physical_resource_id"]!.ToString();
        var mark = new JsonObject { ["mark_unhealthy"] = true, ["resource_status_reason"] = "disk gone" };
        var (marked, _, _) = await Cloud.SendAsync(HttpMethod.Patch, Url($"/stacks/{name}/resources/secret"), Token, mark);
        Assert.That(marked, Is.EqualTo(HttpStatusCode.OK));
        var secret = (await ResourcesAsync(name))["secret"];
        Assert.That(secret["resource_status"]!.ToString(), Is.EqualTo("CHECK_FAILED"));
        Assert.That(secret["resource_status_reason"]!.ToString(), Is.EqualTo("disk gone"));
        var (bad, _, _) = await Cloud.SendAsync(HttpMethod.Patch, Url($"/stacks/{name}/resources/secret"), Token, new JsonObject { ["mark_unhealthy"] = "perhaps" });
        Assert.That(bad, Is.EqualTo(HttpStatusCode.BadRequest));

        var (patched, _, _) = await Cloud.SendAsync(HttpMethod.Patch, Url($"/stacks/{name}"), Token, new JsonObject { ["parameters"] = new JsonObject() });
        Assert.That(patched, Is.EqualTo(HttpStatusCode.Accepted));
        await WaitAsync(name, "UPDATE_COMPLETE");
        secret = (await ResourcesAsync(name))["secret"];
        Assert.That(secret["resource_status"]!.ToString(), Is.EqualTo("CREATE_COMPLETE"));
        Assert.That(secret["physical_resource_id"]!.ToString(), Is.Not.EqualTo(before), "the unhealthy resource was replaced");

        // --reset: CHECK_FAILED back to CHECK_COMPLETE.
        await Cloud.SendAsync(HttpMethod.Patch, Url($"/stacks/{name}/resources/test"), Token, new JsonObject { ["mark_unhealthy"] = true });
        await Cloud.SendAsync(HttpMethod.Patch, Url($"/stacks/{name}/resources/test"), Token, new JsonObject { ["mark_unhealthy"] = false });
        Assert.That((await ResourcesAsync(name))["test"]["resource_status"]!.ToString(), Is.EqualTo("CHECK_COMPLETE"));
        var (missing, _, _) = await Cloud.SendAsync(HttpMethod.Patch, Url($"/stacks/{name}/resources/nothing"), Token, mark);
        Assert.That(missing, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task CancelUpdateRollsTheUpdateBack()
    {
        var name = "c" + Guid.NewGuid().ToString("N")[..8];
        await CreateAsync(name, Template);
        var (patched, _, _) = await Cloud.SendAsync(HttpMethod.Patch, Url($"/stacks/{name}"), Token, new JsonObject { ["parameters"] = new JsonObject { ["v"] = "two", ["slow"] = 60 } });
        Assert.That(patched, Is.EqualTo(HttpStatusCode.Accepted));
        for (var i = 0; i < 100 && (await ResourcesAsync(name))["test"]["resource_status"]!.ToString() != "UPDATE_IN_PROGRESS"; i++)
            await Task.Delay(100);
        Assert.That(await ActAsync(name, "cancel_update"), Is.EqualTo(HttpStatusCode.OK));
        var stack = await WaitAsync(name, "ROLLBACK_COMPLETE");
        Assert.That(stack["outputs"]!.AsArray().First(o => o!["output_key"]!.ToString() == "out")!["output_value"]!.ToString(), Is.EqualTo("one"));
        var (_, events, _) = await Cloud.SendAsync(HttpMethod.Get, Url($"/stacks/{name}/events?resource_status=UPDATE_FAILED"), Token);
        Assert.That(events!["events"]!.AsArray().Select(e => e!["resource_status_reason"]!.ToString()), Has.Some.Contains("cancelled"));
    }

    [Test]
    public async Task CancelWithoutRollbackStopsACreate()
    {
        var name = "n" + Guid.NewGuid().ToString("N")[..8];
        var (created, _, _) = await Cloud.SendAsync(HttpMethod.Post, Url("/stacks"), Token, new JsonObject
        {
            ["stack_name"] = name,
            ["template"] = "heat_template_version: 2016-10-14\nresources:\n  slow: {type: OS::Heat::TestResource, properties: {wait_secs: 60}}\n",
        });
        Assert.That(created, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(await ActAsync(name, "cancel_update"), Is.EqualTo(HttpStatusCode.BadRequest), "cancel_update is for updates");
        Assert.That(await ActAsync(name, "cancel_without_rollback"), Is.EqualTo(HttpStatusCode.OK));
        var stack = await WaitAsync(name, "CREATE_FAILED");
        Assert.That(stack["stack_status_reason"]!.ToString(), Does.Contain("cancelled"));
        var (deleted, _, _) = await Cloud.SendAsync(HttpMethod.Delete, Url($"/stacks/{name}"), Token);
        Assert.That(deleted, Is.EqualTo(HttpStatusCode.NoContent));
    }

    [Test]
    public async Task ASnapshotRestoresTheStacksDefinition()
    {
        var name = "s" + Guid.NewGuid().ToString("N")[..8];
        var stack = await CreateAsync(name, Template);
        var url = Url($"/stacks/{name}/{stack["id"]}/snapshots");
        var (status, snapshot, _) = await Cloud.SendAsync(HttpMethod.Post, url, Token, new JsonObject { ["name"] = "first" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), snapshot?.ToJsonString());
        Assert.That(snapshot!["status"]!.ToString(), Is.EqualTo("COMPLETE"));
        Assert.That(snapshot["name"]!.ToString(), Is.EqualTo("first"));
        Assert.That(snapshot["data"]!["resources"]!["secret"]!["type"]!.ToString(), Is.EqualTo("OS::Heat::RandomString"));
        Assert.That(snapshot["data"]!.AsObject().ContainsKey("parameters"), Is.False, "parameter values are not shown");
        var id = snapshot["id"]!.ToString();
        await WaitAsync(name, "SNAPSHOT_COMPLETE");

        var (_, list, _) = await Cloud.SendAsync(HttpMethod.Get, url, Token);
        Assert.That(list!["snapshots"]!.AsArray().Select(x => x!["id"]!.ToString()), Is.EqualTo(new[] { id }));
        var (_, shown, _) = await Cloud.SendAsync(HttpMethod.Get, $"{url}/{id}", Token);
        Assert.That(shown!["snapshot"]!["data"]!["template"]!["resources"]!.AsObject().ContainsKey("group"));

        var (patched, _, _) = await Cloud.SendAsync(HttpMethod.Patch, Url($"/stacks/{name}/{stack["id"]}"), Token, new JsonObject { ["parameters"] = new JsonObject { ["v"] = "two" } });
        Assert.That(patched, Is.EqualTo(HttpStatusCode.Accepted));
        stack = await WaitAsync(name, "UPDATE_COMPLETE");
        Assert.That(stack["outputs"]!.AsArray().First(o => o!["output_key"]!.ToString() == "out")!["output_value"]!.ToString(), Is.EqualTo("two"));

        var (restore, _, _) = await Cloud.SendAsync(HttpMethod.Post, $"{url}/{id}/restore", Token);
        Assert.That(restore, Is.EqualTo(HttpStatusCode.Accepted));
        stack = await WaitAsync(name, "RESTORE_COMPLETE");
        Assert.That(stack["outputs"]!.AsArray().First(o => o!["output_key"]!.ToString() == "out")!["output_value"]!.ToString(), Is.EqualTo("one"));

        var (deleted, _, _) = await Cloud.SendAsync(HttpMethod.Delete, $"{url}/{id}", Token);
        Assert.That(deleted, Is.EqualTo(HttpStatusCode.NoContent));
        var (missing, fault, _) = await Cloud.SendAsync(HttpMethod.Get, $"{url}/{id}", Token);
        Assert.That(missing, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(fault!["error"]!["message"]!.ToString(), Does.Contain(id));
        (missing, _, _) = await Cloud.SendAsync(HttpMethod.Post, $"{url}/{id}/restore", Token);
        Assert.That(missing, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task AnAbandonedStackIsAdoptedBackWithItsResourcesUntouched()
    {
        var name = "b" + Guid.NewGuid().ToString("N")[..8];
        var stack = await CreateAsync(name, Template);
        var before = (await ResourcesAsync(name)).ToDictionary(r => r.Key, r => r.Value["physical_resource_id"]!.ToString());

        var (status, data, _) = await Cloud.SendAsync(HttpMethod.Delete, Url($"/stacks/{name}/{stack["id"]}/abandon"), Token);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), data?.ToJsonString());
        Assert.That(data!["resources"]!["secret"]!["resource_id"]!.ToString(), Is.EqualTo(before["secret"]));
        Assert.That(data["template"]!["resources"]!.AsObject().ContainsKey("group"));
        var (gone, _, _) = await Cloud.SendAsync(HttpMethod.Get, Url($"/stacks/{name}"), Token);
        Assert.That(gone, Is.EqualTo(HttpStatusCode.NotFound));

        // heatclient sends the abandon output back as a JSON string, without a template of its own.
        var adopted = "a" + name;
        var (created, body, _) = await Cloud.SendAsync(HttpMethod.Post, Url("/stacks"), Token, new JsonObject { ["stack_name"] = adopted, ["adopt_stack_data"] = data.ToJsonString() });
        Assert.That(created, Is.EqualTo(HttpStatusCode.Created), body?.ToJsonString());
        stack = await WaitAsync(adopted, "ADOPT_COMPLETE");
        var after = await ResourcesAsync(adopted);
        Assert.That(after.ToDictionary(r => r.Key, r => r.Value["physical_resource_id"]!.ToString()), Is.EquivalentTo(before), "every resource was taken over, none made again");
        Assert.That(after.Values.Select(r => r["resource_status"]!.ToString()), Is.All.EqualTo("ADOPT_COMPLETE"));
        Assert.That(stack["outputs"]!.AsArray().First(o => o!["output_key"]!.ToString() == "out")!["output_value"]!.ToString(), Is.EqualTo("one"));

        var (bad, fault, _) = await Cloud.SendAsync(HttpMethod.Post, Url("/stacks"), Token, new JsonObject { ["stack_name"] = "broken" + name, ["adopt_stack_data"] = "{not json" });
        Assert.That(bad, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(fault!["error"]!["message"]!.ToString(), Does.Contain("adopt_stack_data"));
    }
}
