using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Core.Modules;
using CloudBox.Telemetry;

namespace CloudBox.Orchestration.Tests;

/// <summary>
/// Heat's Aodh alarm types against a real host with Telemetry: an alarm on a Gnocchi metric whose
/// <c>alarm_actions</c> is a ScalingPolicy's <c>alarm_url</c> scales the AutoScalingGroup when the
/// metric crosses the threshold (Telemetry's own evaluator and notifier, 10 s ticks); the alarms are
/// updated in place and go with the stack; <c>OS::Aodh::Alarm</c>'s meter and metadata become a
/// Gnocchi search.
/// </summary>
[TestFixture(DatabaseEngine.Sqlite)]
public sealed class AodhAlarmTests(DatabaseEngine engine) : HeatFixture(engine)
{
    protected override ICloudModule[] Modules() => [new TelemetryModule(), new OrchestrationModule()];

    private const string Template =
        """
        heat_template_version: 2018-08-31
        parameters:
          resource: {type: string}
          threshold: {type: number, default: 50}
        resources:
          asg:
            type: OS::Heat::AutoScalingGroup
            properties: {min_size: 1, max_size: 2, resource: {type: OS::Heat::RandomString, properties: {length: 8}}}
          up: {type: OS::Heat::ScalingPolicy, properties: {auto_scaling_group_id: {get_resource: asg}, adjustment_type: change_in_capacity, scaling_adjustment: 1}}
          busy:
            type: OS::Aodh::GnocchiResourcesAlarm
            properties:
              description: Scale up when busy
              metric: cpu_util
              aggregation_method: max
              granularity: 1
              evaluation_periods: 1
              threshold: {get_param: threshold}
              comparison_operator: gt
              resource_type: generic
              resource_id: {get_param: resource}
              alarm_actions: [{get_attr: [up, alarm_url]}]
          meter:
            type: OS::Aodh::Alarm
            properties:
              meter_name: cpu_util
              statistic: avg
              period: 60
              evaluation_periods: 2
              threshold: 80
              comparison_operator: ge
              matching_metadata: {metadata.user_metadata.server_group: {get_param: "OS::stack_id"}}
              alarm_actions: [{get_attr: [up, alarm_url]}]
        outputs:
          size: {value: {get_attr: [asg, current_size]}}
          busy_state: {value: {get_attr: [busy, state]}}
        """;

    private async Task<JsonNode> ShowAsync(string name)
    {
        var (_, shown, _) = await Cloud.SendAsync(HttpMethod.Get, Url($"/stacks/{name}"), Token);
        return shown!["stack"]!;
    }

    private async Task<JsonNode> AlarmAsync(string id)
    {
        var (status, alarm, _) = await Cloud.SendAsync(HttpMethod.Get, $"/alarming/v2/alarms/{id}", Token);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), alarm?.ToJsonString());
        return alarm!;
    }

    [Test]
    public async Task AnAlarmOnAMetricScalesTheGroupThroughThePolicysAlarmUrl()
    {
        var resource = Guid.NewGuid().ToString();
        var (status, created, _) = await Cloud.SendAsync(HttpMethod.Post, "/metric/v1/resource/generic", Token, new JsonObject
        {
            ["id"] = resource, ["metrics"] = new JsonObject { ["cpu_util"] = new JsonObject { ["archive_policy_name"] = "high" } },
        });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), created?.ToJsonString());

        (status, created, _) = await Cloud.SendAsync(HttpMethod.Post, Url("/stacks"), Token,
            new JsonObject { ["stack_name"] = "alarmed", ["template"] = Template, ["parameters"] = new JsonObject { ["resource"] = resource } });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), created?.ToJsonString());
        var stack = await WaitAsync("alarmed", "CREATE_COMPLETE");
        Assert.That(Output(stack, "size"), Is.EqualTo("1"));
        var busy = await PhysicalIdAsync("alarmed", "busy");
        var alarm = await AlarmAsync(busy);
        Assert.That(alarm["type"]!.ToString(), Is.EqualTo("gnocchi_resources_threshold"));
        var rule = alarm["gnocchi_resources_threshold_rule"]!;
        Assert.That(rule["metric"]!.ToString(), Is.EqualTo("cpu_util"));
        Assert.That(rule["resource_id"]!.ToString(), Is.EqualTo(resource));
        Assert.That(rule["threshold"]!.GetValue<double>(), Is.EqualTo(50));
        Assert.That(alarm["description"]!.ToString(), Is.EqualTo("Scale up when busy"));
        var (_, policy, _) = await Cloud.SendAsync(HttpMethod.Get, Url("/stacks/alarmed/resources/up"), Token);
        Assert.That(alarm["alarm_actions"]![0]!.ToString(), Does.Contain("/signal"), policy?.ToJsonString());
        Assert.That(alarm["repeat_actions"]!.GetValue<bool>(), Is.True, "Heat's default");

        var meter = await AlarmAsync(await PhysicalIdAsync("alarmed", "meter"));
        Assert.That(meter["type"]!.ToString(), Is.EqualTo("gnocchi_aggregation_by_resources_threshold"));
        var meterRule = meter["gnocchi_aggregation_by_resources_threshold_rule"]!;
        Assert.That(meterRule["aggregation_method"]!.ToString(), Is.EqualTo("mean"), "avg is Gnocchi's mean");
        Assert.That(meterRule["granularity"]!.GetValue<int>(), Is.EqualTo(60));
        Assert.That(meterRule["resource_type"]!.ToString(), Is.EqualTo("instance"));
        Assert.That(JsonNode.Parse(meterRule["query"]!.ToString())!["="]!["server_group"]!.ToString(), Is.EqualTo(stack["id"]!.ToString()));

        // The metric goes above the threshold: Telemetry's evaluator fires the alarm, its notifier
        // POSTs the policy's alarm_url, and the group grows to 2.
        for (var i = 0; i < 60 && Output(stack, "size") != "2"; i++)
        {
            var now = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff", CultureInfo.InvariantCulture);
            (status, _, _) = await Cloud.SendAsync(HttpMethod.Post, $"/metric/v1/resource/generic/{resource}/metric/cpu_util/measures", Token,
                new JsonArray(new JsonObject { ["timestamp"] = now, ["value"] = 93.0 }));
            Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted));
            await Task.Delay(1000);
            stack = await ShowAsync("alarmed");
        }
        Assert.That(Output(stack, "size"), Is.EqualTo("2"), stack.ToJsonString());
        Assert.That(Output(stack, "busy_state"), Is.EqualTo("alarm"));

        // A new threshold changes the alarm in place.
        (status, created, _) = await Cloud.SendAsync(HttpMethod.Patch, Url($"/stacks/alarmed/{stack["id"]}"), Token,
            new JsonObject { ["parameters"] = new JsonObject { ["threshold"] = 95 } });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), created?.ToJsonString());
        await WaitAsync("alarmed", "UPDATE_COMPLETE");
        Assert.That(await PhysicalIdAsync("alarmed", "busy"), Is.EqualTo(busy));
        Assert.That((await AlarmAsync(busy))["gnocchi_resources_threshold_rule"]!["threshold"]!.GetValue<double>(), Is.EqualTo(95));

        await Cloud.SendAsync(HttpMethod.Delete, Url($"/stacks/alarmed/{stack["id"]}"), Token);
        for (var i = 0; i < 300 && (await Cloud.SendAsync(HttpMethod.Get, Url("/stacks/alarmed"), Token)).Status != HttpStatusCode.NotFound; i++)
            await Task.Delay(100);
        Assert.That((await Cloud.SendAsync(HttpMethod.Get, $"/alarming/v2/alarms/{busy}", Token)).Status, Is.EqualTo(HttpStatusCode.NotFound));
    }
}
