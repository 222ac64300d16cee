using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Core.Events;
using CloudBox.Telemetry.Alarms;
using CloudBox.Telemetry.Storage;
using CloudBox.Telemetry.Tests.Api;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Telemetry.Tests.Alarms;

/// <summary>Aodh's composite alarms (threshold rules combined with and/or) and event alarms (over the modules' lifecycle events).</summary>
public class AlarmTypeTests(DatabaseEngine engine) : TelemetryFixture(engine)
{
    private async Task<string> MetricAsync()
    {
        var (status, body, _) = await Cloud.SendAsync(HttpMethod.Post, "/metric/v1/metric", AdminToken, new JsonObject { ["archive_policy_name"] = "high", ["name"] = Unique("m") });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), body?.ToJsonString());
        return body!["id"]!.GetValue<string>();
    }

    private async Task PushAsync(string metric, double value)
    {
        var now = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff", CultureInfo.InvariantCulture);
        var (status, _, _) = await Cloud.SendAsync(HttpMethod.Post, $"/metric/v1/metric/{metric}/measures", AdminToken,
            new JsonArray(new JsonObject { ["timestamp"] = now, ["value"] = value }));
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted));
    }

    private static JsonObject Above50(string metric) => new()
    {
        ["type"] = "gnocchi_aggregation_by_metrics_threshold",
        ["metrics"] = new JsonArray(metric),
        ["threshold"] = 50,
        ["comparison_operator"] = "gt",
        ["aggregation_method"] = "max",
        ["granularity"] = 1,
    };

    private async Task<string> CreateAsync(JsonObject alarm)
    {
        var (status, body, _) = await Cloud.SendAsync(HttpMethod.Post, "/alarming/v2/alarms", AdminToken, alarm);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), body?.ToJsonString());
        return body!["alarm_id"]!.GetValue<string>();
    }

    /// <summary>Aggregates what is queued and evaluates every alarm once, as the evaluator's next tick would.</summary>
    private async Task<Dictionary<string, string>> EvaluateAsync(params string[] alarms)
    {
        await Cloud.Services.GetRequiredService<MeasureService>().RefreshAsync(CancellationToken.None);
        await Cloud.Services.GetRequiredService<AlarmEvaluator>().EvaluateAllAsync(CancellationToken.None);
        var states = new Dictionary<string, string>();
        foreach (var alarm in alarms)
            states[alarm] = (await Cloud.SendAsync(HttpMethod.Get, $"/alarming/v2/alarms/{alarm}", AdminToken)).Body!["state"]!.GetValue<string>();
        return states;
    }

    [Test]
    public async Task ACompositeAndAlarmsOnlyWhenBothRulesBreachAndAnOrWhenEither()
    {
        var (a, b) = (await MetricAsync(), await MetricAsync());
        var and = await CreateAsync(new JsonObject
        {
            ["name"] = Unique("and"), ["type"] = "composite", ["alarm_actions"] = new JsonArray("log://"),
            ["composite_rule"] = new JsonObject { ["and"] = new JsonArray(Above50(a), Above50(b)) },
        });
        var or = await CreateAsync(new JsonObject
        {
            ["name"] = Unique("or"), ["type"] = "composite",
            ["composite_rule"] = new JsonObject { ["or"] = new JsonArray(Above50(a), Above50(b)) },
        });
        var (_, shown, _) = await Cloud.SendAsync(HttpMethod.Get, $"/alarming/v2/alarms/{and}", AdminToken);
        Assert.That(shown!["composite_rule"]!["and"]![0]!["evaluation_periods"]!.GetValue<int>(), Is.EqualTo(1), "a leaf gets Aodh's defaults");
        Assert.That(shown["state"]!.GetValue<string>(), Is.EqualTo("insufficient data"));

        var states = await EvaluateAsync(and, or);
        Assert.That(states[and], Is.EqualTo("insufficient data"), "no measures: neither rule is known");

        await PushAsync(a, 99);
        states = await EvaluateAsync(and, or);
        Assert.That(states[and], Is.EqualTo("insufficient data"), "true and unknown is unknown");
        Assert.That(states[or], Is.EqualTo("alarm"), "true or unknown is true");

        await PushAsync(b, 1);
        states = await EvaluateAsync(and, or);
        Assert.That(states[and], Is.EqualTo("ok"), "one rule inside its threshold: the and is false");
        Assert.That(states[or], Is.EqualTo("alarm"));

        await PushAsync(b, 99);
        states = await EvaluateAsync(and, or);
        Assert.That(states[and], Is.EqualTo("alarm"), "both rules breach");

        var (_, history, _) = await Cloud.SendAsync(HttpMethod.Get, $"/alarming/v2/alarms/{and}/history", AdminToken);
        var reasons = history!.AsArray().Where(h => h!["type"]!.GetValue<string>() == "state transition").Select(h => h!["detail"]!.GetValue<string>()).ToList();
        Assert.That(reasons, Has.Some.Contains("Composite rule alarm with composition form: ([gnocchi_aggregation_by_metrics_threshold:"));
        Assert.That(reasons, Has.Some.Contains(" and "));
    }

    [Test]
    public async Task ACompositeRuleOfTheWrongShapeIsRefusedInAodhsFaultBody()
    {
        foreach (var rule in new JsonNode[]
                 {
                     new JsonObject { ["and"] = new JsonArray() },
                     new JsonObject { ["or"] = new JsonArray(new JsonObject { ["type"] = "event", ["threshold"] = 1 }) },
                     new JsonObject { ["and"] = new JsonArray(new JsonObject { ["type"] = "gnocchi_resources_threshold" }) },
                 })
        {
            var (status, body, _) = await Cloud.SendAsync(HttpMethod.Post, "/alarming/v2/alarms", AdminToken,
                new JsonObject { ["name"] = Unique("bad"), ["type"] = "composite", ["composite_rule"] = rule });
            Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), rule.ToJsonString());
            Assert.That(body!["error_message"]!["faultstring"]!.GetValue<string>(), Is.Not.Empty);
        }
        var (wrongType, wrongBody, _) = await Cloud.SendAsync(HttpMethod.Post, "/alarming/v2/alarms", AdminToken,
            new JsonObject { ["name"] = 5, ["type"] = "event", ["event_rule"] = new JsonObject() });
        Assert.That(wrongType, Is.EqualTo(HttpStatusCode.BadRequest), "a number for the name is bad input, not a server error");
        Assert.That(wrongBody!["error_message"], Is.Not.Null);
        var (unauthenticated, missing, _) = await Cloud.SendAsync(HttpMethod.Get, "/alarming/v2/alarms/nope", AdminToken);
        Assert.That(unauthenticated, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(missing!["error_message"]!["faultstring"]!.GetValue<string>(), Does.Contain("nope"));
    }

    [Test]
    public async Task AnEventAlarmFiresOnAMatchingServerEventOnly()
    {
        var (_, project, _) = await Cloud.SendAsync(HttpMethod.Get, "/identity/v3/projects?name=admin", AdminToken);
        var projectId = project!["projects"]![0]!["id"]!.GetValue<string>();
        var server = Guid.NewGuid().ToString();
        var alarm = await CreateAsync(new JsonObject
        {
            ["name"] = Unique("gone"), ["type"] = "event", ["alarm_actions"] = new JsonArray("log://"),
            ["event_rule"] = new JsonObject
            {
                ["event_type"] = "compute.instance.delete.*",
                ["query"] = new JsonArray(new JsonObject { ["field"] = "traits.instance_id", ["op"] = "eq", ["value"] = server, ["type"] = "string" }),
            },
        });
        var (_, shown, _) = await Cloud.SendAsync(HttpMethod.Get, $"/alarming/v2/alarms/{alarm}", AdminToken);
        Assert.That(shown!["event_rule"]!["event_type"]!.GetValue<string>(), Is.EqualTo("compute.instance.delete.*"));

        var events = Cloud.Services.GetRequiredService<ICloudEvents>();
        var evaluator = Cloud.Services.GetRequiredService<EventAlarmEvaluator>();
        // Another server deleted, and this one created: neither matches.
        await evaluator.ApplyAsync(new CloudResourceEvent(ResourceChange.Deleted, "server", Guid.NewGuid().ToString(), projectId, null, new Dictionary<string, string?>()), CancellationToken.None);
        await evaluator.ApplyAsync(new CloudResourceEvent(ResourceChange.Created, "server", server, projectId, null, new Dictionary<string, string?>()), CancellationToken.None);
        Assert.That((await Cloud.SendAsync(HttpMethod.Get, $"/alarming/v2/alarms/{alarm}/state", AdminToken)).Body!.GetValue<string>(), Is.EqualTo("insufficient data"));

        // This server deleted, published on the in-process stream as Compute does.
        events.Publish(new CloudResourceEvent(ResourceChange.Deleted, "server", server, projectId, null, new Dictionary<string, string?> { ["display_name"] = "vm" }));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string state;
        while ((state = (await Cloud.SendAsync(HttpMethod.Get, $"/alarming/v2/alarms/{alarm}/state", AdminToken)).Body!.GetValue<string>()) != "alarm" && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.That(state, Is.EqualTo("alarm"));
        var (_, history, _) = await Cloud.SendAsync(HttpMethod.Get, $"/alarming/v2/alarms/{alarm}/history", AdminToken);
        Assert.That(history!.AsArray().Select(h => h!["detail"]!.GetValue<string>()), Has.Some.Contains("event_type=compute.instance.delete.end"));
    }

    [Test]
    public async Task TheComplexQueryFindsAnAlarmByNameAsAlarmShowNameDoes()
    {
        var name = Unique("named");
        var id = await CreateAsync(new JsonObject { ["name"] = name, ["type"] = "event", ["event_rule"] = new JsonObject(), ["severity"] = "critical" });
        await CreateAsync(new JsonObject { ["name"] = Unique("other"), ["type"] = "event", ["event_rule"] = new JsonObject() });
        var (status, found, _) = await Cloud.SendAsync(HttpMethod.Post, "/alarming/v2/query/alarms", AdminToken,
            new JsonObject { ["filter"] = $"{{\"=\": {{\"name\": \"{name}\"}}}}" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(found!.AsArray().Select(a => a!["alarm_id"]!.GetValue<string>()), Is.EqualTo(new[] { id }));
        (_, found, _) = await Cloud.SendAsync(HttpMethod.Post, "/alarming/v2/query/alarms", AdminToken,
            new JsonObject { ["filter"] = $"{{\"and\": [{{\"=\": {{\"type\": \"event\"}}}}, {{\"in\": {{\"severity\": [\"critical\", \"moderate\"]}}}}, {{\"not\": {{\"!=\": {{\"name\": \"{name}\"}}}}}}]}}" });
        Assert.That(found!.AsArray(), Has.Count.EqualTo(1));
        var (bad, fault, _) = await Cloud.SendAsync(HttpMethod.Post, "/alarming/v2/query/alarms", AdminToken, new JsonObject { ["filter"] = "{\"~\": {\"name\": 1}}" });
        Assert.That(bad, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(fault!["error_message"]!["faultstring"]!.GetValue<string>(), Does.Contain("unknown operator"));
    }

    [Test]
    public void EventTypesFollowCeilometerAndPatternsMatchAodhs()
    {
        Assert.That(EventAlarmEvaluator.EventType(new CloudResourceEvent(ResourceChange.Created, "server", "s", null, null, new Dictionary<string, string?>())), Is.EqualTo("compute.instance.create.end"));
        Assert.That(EventAlarmEvaluator.EventType(new CloudResourceEvent(ResourceChange.Deleted, "volume", "v", null, null, new Dictionary<string, string?>())), Is.EqualTo("volume.delete.end"));
        Assert.That(EventAlarmEvaluator.Matches("compute.instance.*", "compute.instance.create.end"), Is.True);
        Assert.That(EventAlarmEvaluator.Matches("*", "volume.delete.end"), Is.True);
        Assert.That(EventAlarmEvaluator.Matches("compute.instance.create.end", "compute.instance.create.endx"), Is.False);
        Assert.That(EventAlarmEvaluator.Matches("compute.instance.(create)", "compute.instance.(create)"), Is.True, "only * is special");
    }
}
