using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Testing;

namespace CloudBox.Orchestration.Tests;

/// <summary>Token-free signal URLs: a wait condition released by an anonymous POST (a guest's curl); a forged key is refused.</summary>
[TestFixture(DatabaseEngine.Sqlite)]
public class SignalTests(DatabaseEngine engine)
{
    [Test]
    public async Task AWaitConditionIsReleasedByItsTokenFreeUrl()
    {
        await using var cloud = await TestCloud.StartAsync(engine, new OrchestrationModule());
        var token = await cloud.AdminTokenAsync();
        var (_, projects, _) = await cloud.SendAsync(HttpMethod.Get, "/identity/v3/auth/projects", token);
        var project = projects!["projects"]!.AsArray().First(p => p!["name"]!.ToString() == "admin")!["id"]!.ToString();
        var template =
            """
            heat_template_version: 2016-10-14
            resources:
              handle: {type: OS::Heat::WaitConditionHandle}
              wait: {type: OS::Heat::WaitCondition, properties: {handle: {get_resource: handle}, timeout: 60}}
              asg:
                type: OS::Heat::AutoScalingGroup
                properties: {min_size: 1, max_size: 3, resource: {type: OS::Heat::RandomString}}
              up: {type: OS::Heat::ScalingPolicy, properties: {auto_scaling_group_id: {get_resource: asg}, adjustment_type: change_in_capacity, scaling_adjustment: 1}}
              down: {type: OS::Heat::ScalingPolicy, properties: {auto_scaling_group_id: {get_resource: asg}, adjustment_type: change_in_capacity, scaling_adjustment: -1}}
            outputs:
              curl: {value: {get_attr: [handle, curl_cli]}}
              endpoint: {value: {get_attr: [handle, endpoint]}}
              up_url: {value: {get_attr: [up, signal_url]}}
              down_url: {value: {get_attr: [down, alarm_url]}}
              size: {value: {get_attr: [asg, current_size]}}
              data: {value: {get_attr: [wait, data]}}
            """;
        var (status, body, _) = await cloud.SendAsync(HttpMethod.Post, $"/orchestration/v1/{project}/stacks", token, new JsonObject { ["stack_name"] = "sig", ["template"] = template });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), body?.ToJsonString());

        async Task<JsonNode> ShowAsync()
        {
            var (_, shown, _) = await cloud.SendAsync(HttpMethod.Get, $"/orchestration/v1/{project}/stacks/sig", token);
            return shown!["stack"]!;
        }
        string Output(JsonNode stack, string key) => stack["outputs"]!.AsArray().First(o => o!["output_key"]!.ToString() == key)!["output_value"]?.ToString() ?? "";

        JsonNode stack = await ShowAsync();
        for (var i = 0; i < 100 && Output(stack, "endpoint").Length == 0; i++)
        {
            await Task.Delay(100);
            stack = await ShowAsync();
        }
        Assert.That(stack["stack_status"]!.ToString(), Is.EqualTo("CREATE_IN_PROGRESS"), "the stack waits for its condition");
        Assert.That(Output(stack, "curl"), Does.StartWith("curl -i -X POST"));
        using var anonymous = new HttpClient();
        var signal = await anonymous.PostAsync(Output(stack, "endpoint"), new StringContent("{\"status\": \"SUCCESS\", \"data\": \"ready\"}", Encoding.UTF8, "application/json"));
        Assert.That(signal.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var forged = await anonymous.PostAsync(Output(stack, "endpoint")[..^4] + "0000", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.That(forged.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));

        for (var i = 0; i < 200 && stack["stack_status"]!.ToString() == "CREATE_IN_PROGRESS"; i++)
        {
            await Task.Delay(100);
            stack = await ShowAsync();
        }
        Assert.That(stack["stack_status"]!.ToString(), Is.EqualTo("CREATE_COMPLETE"), stack["stack_status_reason"]?.ToString());
        Assert.That(Output(stack, "data"), Does.Contain("ready"));
        Assert.That(Output(stack, "size"), Is.EqualTo("1"));

        Assert.That(Output(stack, "up_url"), Does.Contain("/orchestration/signal/"));
    }
}
