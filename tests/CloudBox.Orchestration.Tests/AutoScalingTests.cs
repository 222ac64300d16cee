using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Orchestration.Resources.Heat;
using CloudBox.Testing;

namespace CloudBox.Orchestration.Tests;

/// <summary>
/// An AutoScalingGroup resized through its policies' token-free URLs, as an alarm (or a user's curl)
/// does: up to max_size and no further, down with the policy's cooldown honoured, and the group's
/// members following its size.
/// </summary>
[TestFixture(DatabaseEngine.Sqlite)]
public class AutoScalingTests(DatabaseEngine engine)
{
    private const string Template =
        """
        heat_template_version: 2016-10-14
        resources:
          asg:
            type: OS::Heat::AutoScalingGroup
            properties: {min_size: 0, max_size: 2, desired_capacity: 1, resource: {type: OS::Heat::RandomString, properties: {length: 8}}}
          up: {type: OS::Heat::ScalingPolicy, properties: {auto_scaling_group_id: {get_resource: asg}, adjustment_type: change_in_capacity, scaling_adjustment: 1}}
          down: {type: OS::Heat::ScalingPolicy, properties: {auto_scaling_group_id: {get_resource: asg}, adjustment_type: change_in_capacity, scaling_adjustment: -1, cooldown: 600}}
        outputs:
          up_url: {value: {get_attr: [up, signal_url]}}
          down_url: {value: {get_attr: [down, alarm_url]}}
          size: {value: {get_attr: [asg, current_size]}}
          refs: {value: {get_attr: [asg, refs]}}
        """;

    [Test]
    public async Task APolicyUrlScalesTheGroupWithinItsBoundsAndCooldown()
    {
        await using var cloud = await TestCloud.StartAsync(engine, new OrchestrationModule());
        var token = await cloud.AdminTokenAsync();
        var (_, projects, _) = await cloud.SendAsync(HttpMethod.Get, "/identity/v3/auth/projects", token);
        var project = projects!["projects"]!.AsArray().First(p => p!["name"]!.ToString() == "admin")!["id"]!.ToString();
        var (status, body, _) = await cloud.SendAsync(HttpMethod.Post, $"/orchestration/v1/{project}/stacks", token, new JsonObject { ["stack_name"] = "scaled", ["template"] = Template });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), body?.ToJsonString());

        async Task<JsonNode> ShowAsync()
        {
            var (_, shown, _) = await cloud.SendAsync(HttpMethod.Get, $"/orchestration/v1/{project}/stacks/scaled", token);
            return shown!["stack"]!;
        }
        static string Output(JsonNode stack, string key) => stack["outputs"]!.AsArray().First(o => o!["output_key"]!.ToString() == key)!["output_value"]?.ToJsonString() ?? "";
        async Task<JsonNode> SizeAsync(string wanted)
        {
            var stack = await ShowAsync();
            for (var i = 0; i < 200 && (!stack["stack_status"]!.ToString().EndsWith("_COMPLETE", StringComparison.Ordinal) || Output(stack, "size") != wanted); i++)
            {
                await Task.Delay(100);
                stack = await ShowAsync();
            }
            Assert.That(Output(stack, "size"), Is.EqualTo(wanted), stack.ToJsonString());
            return stack;
        }
        async Task<List<string>> SignalReasonsAsync(string resource)
        {
            var (_, events, _) = await cloud.SendAsync(HttpMethod.Get, $"/orchestration/v1/{project}/stacks/scaled/resources/{resource}/events?resource_action=SIGNAL", token);
            return events!["events"]!.AsArray().Select(e => e!["resource_status_reason"]!.ToString()).ToList();
        }

        var stack = await SizeAsync("1");
        var upUrl = JsonNode.Parse(Output(stack, "up_url"))!.ToString();
        var downUrl = JsonNode.Parse(Output(stack, "down_url"))!.ToString();
        using var anonymous = new HttpClient();

        // Up: 1 -> 2, with a body-less POST as `curl -X POST URL` sends.
        var answer = await anonymous.PostAsync(upUrl, null);
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK), await answer.Content.ReadAsStringAsync());
        stack = await SizeAsync("2");
        Assert.That(JsonNode.Parse(Output(stack, "refs"))!.AsArray(), Has.Count.EqualTo(2));

        // Up again: max_size holds the group at 2; the signal is accepted and says why nothing happened.
        await WaitIdleAsync(cloud, project, token);
        answer = await anonymous.PostAsync(upUrl, null);
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await SignalReasonsAsync("up"), Has.Some.Contains("stays at 2"));
        await SizeAsync("2");

        // Down: 2 -> 1; at once again: the 600 s cooldown holds it at 1 (min_size 0 would allow 0).
        answer = await anonymous.PostAsync(downUrl, null);
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await SizeAsync("1");
        await WaitIdleAsync(cloud, project, token);
        answer = await anonymous.PostAsync(downUrl, null);
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await SignalReasonsAsync("down"), Has.Some.Contains("cooldown"));
        await Task.Delay(500);
        await SizeAsync("1");

        // An alarm back to "ok" (Aodh's body) takes no action; a forged key is refused.
        answer = await anonymous.PostAsync(upUrl, new StringContent("{\"current\": \"ok\", \"previous\": \"alarm\"}", System.Text.Encoding.UTF8, "application/json"));
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await SignalReasonsAsync("up"), Has.Some.Contains("Alarm state ok"));
        answer = await anonymous.PostAsync(upUrl[..^4] + "0000", null);
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        await SizeAsync("1");

        // A stack update that changes the group's bounds keeps the size the policies gave it (desired_capacity unchanged).
        await WaitIdleAsync(cloud, project, token);
        answer = await anonymous.PostAsync(upUrl, null);
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await SizeAsync("2");
        await WaitIdleAsync(cloud, project, token);
        var (updated, _, _) = await cloud.SendAsync(HttpMethod.Put, $"/orchestration/v1/{project}/stacks/scaled/{stack["id"]}", token,
            new JsonObject { ["template"] = Template.Replace("max_size: 2, desired_capacity: 1", "max_size: 3, desired_capacity: 1", StringComparison.Ordinal) });
        Assert.That(updated, Is.EqualTo(HttpStatusCode.Accepted));
        await WaitIdleAsync(cloud, project, token);
        stack = await SizeAsync("2");
        Assert.That(stack["stack_status"]!.ToString(), Is.EqualTo("UPDATE_COMPLETE"), stack["stack_status_reason"]?.ToString());
    }

    /// <summary>Waits until no stack (the group's nested one included) is in progress.</summary>
    private static async Task WaitIdleAsync(TestCloud cloud, string project, string token)
    {
        for (var i = 0; i < 200; i++)
        {
            var (_, list, _) = await cloud.SendAsync(HttpMethod.Get, $"/orchestration/v1/{project}/stacks?show_nested=true", token);
            if (list!["stacks"]!.AsArray().All(s => !s!["stack_status"]!.ToString().EndsWith("IN_PROGRESS", StringComparison.Ordinal)))
                return;
            await Task.Delay(100);
        }
        Assert.Fail("stacks stayed in progress");
    }

    [TestCase("change_in_capacity", 1, 0, 2, 0, 5, 3)]
    [TestCase("change_in_capacity", 5, 0, 2, 0, 4, 4)]
    [TestCase("change_in_capacity", -3, 0, 2, 1, 4, 1)]
    [TestCase("exact_capacity", 3, 0, 1, 0, 5, 3)]
    [TestCase("percent_change_in_capacity", 10, 0, 4, 0, 10, 5)]
    [TestCase("percent_change_in_capacity", 50, 0, 5, 0, 10, 7)]
    [TestCase("percent_change_in_capacity", -10, 0, 4, 0, 10, 3)]
    [TestCase("percent_change_in_capacity", 10, 2, 4, 0, 10, 6)]
    public void NewCapacityFollowsHeatsRules(string type, double adjustment, long minStep, long current, long min, long max, long expected) =>
        Assert.That(ScalingPolicyType.NewCapacity(type, adjustment, minStep, current, min, max), Is.EqualTo(expected));
}
