using System.Text.Json.Nodes;
using CloudBox.Telemetry.Search;

namespace CloudBox.Telemetry.Tests.Search;

/// <summary>Gnocchi's filter language in both forms.</summary>
public class FilterTests
{
    private static readonly JsonObject Instance = new()
    {
        ["id"] = "5a301761-f78b-46e2-8900-8b4f6fe6675a",
        ["type"] = "instance",
        ["project_id"] = "p1",
        ["flavor_id"] = "2",
        ["host"] = "compute-1",
        ["vcpus"] = 4,
        ["ended_at"] = null,
        ["started_at"] = "2024-03-01T10:00:00.000000+00:00",
    };

    [TestCase("type = instance", true)]
    [TestCase("type='instance' and project_id != p2", true)]
    [TestCase("host like 'compute-%'", true)]
    [TestCase("host like 'network-%' or vcpus >= 4", true)]
    [TestCase("not (vcpus > 3)", false)]
    [TestCase("vcpus in [1, 2, 4]", true)]
    [TestCase("ended_at = null", true)]
    [TestCase("ended_at != None", false)]
    [TestCase("flavor_id = 2", true)]
    [TestCase("started_at >= '2024-03-01T09:00:00'", true)]
    [TestCase("started_at < '2024-03-01T09:00:00'", false)]
    [TestCase("id = 5a301761-f78b-46e2-8900-8b4f6fe6675a", true)]
    [TestCase("vcpus ≥ 5 ∨ host = compute-1", true)]
    public void StringFormMatchesAsGnocchiReadsIt(string query, bool expected)
    {
        var filter = FilterQueryParser.Parse(query);
        ResourceFilter.Validate(filter);
        Assert.That(ResourceFilter.Matches(filter, Instance), Is.EqualTo(expected), filter.ToJsonString());
    }

    [Test]
    public void StringFormBecomesTheJsonForm()
    {
        var filter = FilterQueryParser.Parse("type = instance and (host = a or not vcpus < 2)");
        Assert.That(filter.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }), Is.EqualTo(
            """{"and":[{"=":{"type":"instance"}},{"or":[{"=":{"host":"a"}},{"not":{"<":{"vcpus":2}}}]}]}"""));
    }

    [Test]
    public void JsonFormMatches()
    {
        var filter = JsonNode.Parse("""{"and": [{"=": {"host": "compute-1"}}, {"in": {"flavor_id": ["1", "2"]}}, {"not": {"eq": {"project_id": "p2"}}}]}""");
        ResourceFilter.Validate(filter);
        Assert.That(ResourceFilter.Matches(filter, Instance), Is.True);
    }

    [TestCase("type = ")]
    [TestCase("type instance")]
    [TestCase("(type = a")]
    [TestCase("type = 'a")]
    public void MalformedStringsAreRefused(string query) =>
        Assert.Throws<FormatException>(() => FilterQueryParser.Parse(query));

    [TestCase("""{"=": {"a": 1, "b": 2}}""")]
    [TestCase("""{"and": []}""")]
    [TestCase("""{"in": {"a": 1}}""")]
    [TestCase("""{"~": {"a": 1}}""")]
    public void MalformedJsonIsRefused(string json) =>
        Assert.Throws<FormatException>(() => ResourceFilter.Validate(JsonNode.Parse(json)));
}
