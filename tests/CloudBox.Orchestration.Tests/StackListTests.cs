using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Testing;

namespace CloudBox.Orchestration.Tests;

/// <summary>Paging the stack list through Heat's API (limit and marker), sorted by a column a stack may not have yet.</summary>
[TestFixture(DatabaseEngine.Sqlite)]
[TestFixture(DatabaseEngine.Postgres)]
public class StackListTests(DatabaseEngine engine) : HeatFixture(engine)
{
    [Test]
    public async Task Paging_by_update_time_sees_every_stack_once_including_one_still_being_created()
    {
        await StackAsync("list-a", "heat_template_version: 2016-10-14\nresources: {n: {type: OS::Heat::None}}");
        await StackAsync("list-b", "heat_template_version: 2016-10-14\nresources: {n: {type: OS::Heat::None}}");
        // Still being created (no update time of its own) while the list is paged.
        var (created, body, _) = await Cloud.SendAsync(HttpMethod.Post, Url("/stacks"), Token, new JsonObject
        {
            ["stack_name"] = "list-slow",
            ["template"] = "heat_template_version: 2016-10-14\nresources: {t: {type: OS::Heat::TestResource, properties: {action_wait_secs: {create: 60}}}}",
        });
        Assert.That(created, Is.EqualTo(HttpStatusCode.Created), body?.ToJsonString());

        foreach (var direction in new[] { "asc", "desc" })
        {
            var seen = new List<string>();
            string? marker = null;
            for (var page = 0; page < 10; page++)
            {
                var (status, listed, _) = await Cloud.SendAsync(HttpMethod.Get,
                    Url($"/stacks?sort_keys=updated_time&sort_dir={direction}&limit=1{(marker is null ? "" : "&marker=" + marker)}"), Token);
                Assert.That(status, Is.EqualTo(HttpStatusCode.OK), listed?.ToJsonString());
                var stacks = listed!["stacks"]!.AsArray();
                if (stacks.Count == 0) break;
                seen.Add(stacks[0]!["stack_name"]!.ToString());
                marker = stacks[0]!["id"]!.ToString();
            }
            Assert.That(seen, Is.EquivalentTo(new[] { "list-a", "list-b", "list-slow" }), direction);
        }
    }
}
