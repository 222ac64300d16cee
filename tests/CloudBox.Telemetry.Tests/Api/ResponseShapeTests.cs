using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Telemetry.Tests.Api;

/// <summary>
/// The exact bytes of measures and aggregates answers (Gnocchi's <c>[[timestamp, granularity, value], …]</c>):
/// gnocchiclient and scripts parse these, so the shape, the order, the timestamp spelling and the
/// number spelling must not drift when the writer changes.
/// </summary>
public class ResponseShapeTests(DatabaseEngine engine) : TelemetryFixture(engine)
{
    private async Task<string> PolicyAsync(params JsonObject[] definition)
    {
        var name = Unique("shape");
        var (status, body, _) = await Cloud.SendAsync(HttpMethod.Post, "/metric/v1/archive_policy", AdminToken, new JsonObject
        {
            ["name"] = name,
            ["back_window"] = 0,
            ["definition"] = new JsonArray([.. definition]),
            ["aggregation_methods"] = new JsonArray("mean", "max"),
        });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), body?.ToJsonString());
        return name;
    }

    private async Task<string> MetricAsync(string policy, params (string Timestamp, double Value)[] measures)
    {
        var (status, metric, _) = await Cloud.SendAsync(HttpMethod.Post, "/metric/v1/metric", AdminToken, new JsonObject { ["archive_policy_name"] = policy });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), metric?.ToJsonString());
        var id = metric!["id"]!.GetValue<string>();
        var list = new JsonArray();
        foreach (var (timestamp, value) in measures)
            list.Add(new JsonObject { ["timestamp"] = timestamp, ["value"] = value });
        (status, _, _) = await Cloud.SendAsync(HttpMethod.Post, $"/metric/v1/metric/{id}/measures", AdminToken, list);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted));
        return id;
    }

    private async Task<string> TextAsync(HttpMethod method, string path, JsonNode? body = null)
    {
        var (status, _, response) = await Cloud.SendAsync(method, path, AdminToken, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), text);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        return text;
    }

    [Test]
    public async Task MeasuresAreListsOfTimestampGranularityValueCoarsestFirst()
    {
        var policy = await PolicyAsync(
            new JsonObject { ["granularity"] = "1 minute", ["points"] = 60 },
            new JsonObject { ["granularity"] = "1 hour", ["points"] = 24 });
        var id = await MetricAsync(policy,
            ("2024-05-01T00:00:00", 1), ("2024-05-01T00:00:30", 2.5), ("2024-05-01T00:01:10", -3), ("2024-05-01T00:02:00", 0.1), ("2024-05-01T00:03:00", 1e21));

        var all = await TextAsync(HttpMethod.Get, $"/metric/v1/metric/{id}/measures?refresh=true");
        Assert.That(all, Is.EqualTo(
            "[[\"2024-05-01T00:00:00+00:00\",3600,2E+20]," +
            "[\"2024-05-01T00:00:00+00:00\",60,1.75],[\"2024-05-01T00:01:00+00:00\",60,-3],[\"2024-05-01T00:02:00+00:00\",60,0.1],[\"2024-05-01T00:03:00+00:00\",60,1E+21]]"));
        var minutes = await TextAsync(HttpMethod.Get, $"/metric/v1/metric/{id}/measures?granularity=60&aggregation=max&start=2024-05-01T00:01:00&stop=2024-05-01T00:03:00");
        Assert.That(minutes, Is.EqualTo("[[\"2024-05-01T00:01:00+00:00\",60,-3],[\"2024-05-01T00:02:00+00:00\",60,0.1]]"));
        var empty = await TextAsync(HttpMethod.Get, $"/metric/v1/metric/{id}/measures?granularity=60&start=2025-01-01");
        Assert.That(empty, Is.EqualTo("[]"));
    }

    [Test]
    public async Task SubSecondBucketsAreSpeltWithMicroseconds()
    {
        var policy = await PolicyAsync(new JsonObject { ["granularity"] = "0.25", ["points"] = 100 });
        var id = await MetricAsync(policy, ("2024-05-01T00:00:00.5", 4), ("2024-05-01T00:00:00.8", 6), ("2024-05-01T00:00:01", 8));
        var text = await TextAsync(HttpMethod.Get, $"/metric/v1/metric/{id}/measures?refresh=true");
        Assert.That(text, Is.EqualTo(
            "[[\"2024-05-01T00:00:00.500000+00:00\",0.25,4],[\"2024-05-01T00:00:00.750000+00:00\",0.25,6],[\"2024-05-01T00:00:01+00:00\",0.25,8]]"));
    }

    [Test]
    public async Task AggregatesAnswerPerMetricPerResourceAndAggregated()
    {
        var policy = await PolicyAsync(new JsonObject { ["granularity"] = "1 minute", ["points"] = 60 });
        var a = await MetricAsync(policy, ("2024-05-01T00:00:00", 1), ("2024-05-01T00:01:00", 3));
        var b = await MetricAsync(policy, ("2024-05-01T00:01:00", 5));

        var byMetric = await TextAsync(HttpMethod.Post, "/metric/v1/aggregates?refresh=true&fill=null", new JsonObject
        {
            ["operations"] = $"(metric ({a} mean) ({b} max))",
        });
        Assert.That(byMetric, Is.EqualTo(
            $"{{\"measures\":{{\"{a}\":{{\"mean\":[[\"2024-05-01T00:00:00+00:00\",60,1],[\"2024-05-01T00:01:00+00:00\",60,3]]}}," +
            $"\"{b}\":{{\"max\":[[\"2024-05-01T00:00:00+00:00\",60,null],[\"2024-05-01T00:01:00+00:00\",60,5]]}}}}}}"));
        var aggregated = await TextAsync(HttpMethod.Post, "/metric/v1/aggregates", new JsonObject
        {
            ["operations"] = $"(aggregate sum (metric ({a} mean) ({b} mean)))",
        });
        Assert.That(aggregated, Is.EqualTo("{\"measures\":{\"aggregated\":[[\"2024-05-01T00:00:00+00:00\",60,1],[\"2024-05-01T00:01:00+00:00\",60,8]]}}"));

        var host = Unique("shape");
        var resources = new List<string>();
        foreach (var value in new[] { 2.0, 4.0 })
        {
            var (status, resource, _) = await Cloud.SendAsync(HttpMethod.Post, "/metric/v1/resource/instance", AdminToken, new JsonObject
            {
                ["id"] = Guid.NewGuid().ToString(), ["project_id"] = "p-shape", ["host"] = host, ["display_name"] = "vm", ["flavor_id"] = "1",
                ["metrics"] = new JsonObject { ["load"] = new JsonObject { ["archive_policy_name"] = policy } },
            });
            Assert.That(status, Is.EqualTo(HttpStatusCode.Created), resource?.ToJsonString());
            var id = resource!["id"]!.GetValue<string>();
            resources.Add(id);
            (status, _, _) = await Cloud.SendAsync(HttpMethod.Post, $"/metric/v1/resource/instance/{id}/metric/load/measures", AdminToken,
                new JsonArray(new JsonObject { ["timestamp"] = "2024-05-01T00:00:10", ["value"] = value }));
            Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted));
        }
        var search = new JsonObject { ["operations"] = "(metric load mean)", ["resource_type"] = "instance", ["search"] = $"host = '{host}'" };
        var perResource = await TextAsync(HttpMethod.Post, "/metric/v1/aggregates?refresh=true", search);
        Assert.That(perResource, Is.EqualTo(
            $"{{\"measures\":{{\"{resources[0]}\":{{\"load\":{{\"mean\":[[\"2024-05-01T00:00:00+00:00\",60,2]]}}}}," +
            $"\"{resources[1]}\":{{\"load\":{{\"mean\":[[\"2024-05-01T00:00:00+00:00\",60,4]]}}}}}}}}"));
        search["operations"] = "(aggregate mean (metric load mean))";
        var grouped = await TextAsync(HttpMethod.Post, "/metric/v1/aggregates?groupby=project_id", search);
        Assert.That(grouped, Is.EqualTo(
            "[{\"group\":{\"project_id\":\"p-shape\"},\"measures\":{\"measures\":{\"aggregated\":[[\"2024-05-01T00:00:00+00:00\",60,3]]}}}]"));
    }
}
