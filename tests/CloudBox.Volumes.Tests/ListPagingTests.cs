using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Volumes.Tests;

/// <summary>Cinder's list paging as the dashboard and openstackclient use it: sort=key:dir applied, limit/marker, a next link in volumes_links.</summary>
public sealed class ListPagingTests(DatabaseEngine engine) : VolumesFixture(engine)
{
    [Test]
    public async Task Volumes_sort_by_the_requested_key_and_page_through_next_links()
    {
        var (project, token) = await NewMemberAsync();
        var names = new[] { "vol-c", "vol-a", "vol-e", "vol-b", "vol-d" };
        foreach (var name in names)
            await CreateVolumeAsync(new JsonObject { ["name"] = name, ["size"] = 1 }, token, project);

        foreach (var (sort, expected) in new[] { ("name:asc", names.Order().ToArray()), ("name:desc", names.OrderDescending().ToArray()) })
        {
            var seen = new List<string>();
            var path = $"volumes/detail?limit=2&sort={sort}";
            var pages = 0;
            while (path is not null)
            {
                var (status, body) = await CallAsync(HttpMethod.Get, path, token: token, project: project);
                Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
                var volumes = body!["volumes"]!.AsArray();
                Assert.That(volumes, Has.Count.LessThanOrEqualTo(2));
                seen.AddRange(volumes.Select(v => v!["name"]!.GetValue<string>()));
                pages++;
                var next = body["volumes_links"]?.AsArray().SingleOrDefault(l => l!["rel"]!.GetValue<string>() == "next")?["href"]!.GetValue<string>();
                path = next is null ? null : "volumes/detail" + new Uri(next).Query;
                if (next is not null)
                    Assert.That(next, Does.Contain("limit=2").And.Contain($"sort={Uri.EscapeDataString(sort)}"));
            }
            Assert.That(seen, Is.EqualTo(expected), sort);
            Assert.That(pages, Is.EqualTo(3), "5 volumes at 2 a page are 3 pages, the last without a next link");
        }

        var (_, all) = await CallAsync(HttpMethod.Get, "volumes?sort=name:asc", token: token, project: project);
        Assert.That(all!["volumes_links"], Is.Null, "a list that fits its page has no next link");
        Assert.That(all["volumes"]!.AsArray().Select(v => v!["name"]!.GetValue<string>()), Is.EqualTo(names.Order()));
    }

    [Test]
    public async Task Snapshots_filter_by_name_sort_and_page_through_next_links()
    {
        var (project, token) = await NewMemberAsync();
        var volume = await CreateVolumeAsync(new JsonObject { ["name"] = Unique("snap-source"), ["size"] = 1 }, token, project);
        await WaitAsync("volumes", volume["id"]!.GetValue<string>(), "available", token, project);
        var names = new[] { "snap-b", "snap-c", "snap-a" };
        foreach (var name in names)
        {
            var (status, body) = await CallAsync(HttpMethod.Post, "snapshots", new JsonObject { ["snapshot"] = new JsonObject { ["volume_id"] = volume["id"]!.GetValue<string>(), ["name"] = name } }, token, project);
            Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        }
        var seen = new List<string>();
        var path = "snapshots/detail?limit=2&sort=name:desc";
        while (path is not null)
        {
            var (status, body) = await CallAsync(HttpMethod.Get, path, token: token, project: project);
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
            seen.AddRange(body!["snapshots"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()));
            var next = body["snapshots_links"]?.AsArray().Single(l => l!["rel"]!.GetValue<string>() == "next")!["href"]!.GetValue<string>();
            path = next is null ? null : "snapshots/detail" + new Uri(next).Query;
        }
        Assert.That(seen, Is.EqualTo(names.OrderDescending()));
        var (_, one) = await CallAsync(HttpMethod.Get, "snapshots/detail?name=snap-c", token: token, project: project);
        Assert.That(one!["snapshots"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()), Is.EqualTo(new[] { "snap-c" }));
        Assert.That((await CallAsync(HttpMethod.Get, "snapshots?sort=nonsense:asc", token: token, project: project)).Status, Is.EqualTo(HttpStatusCode.BadRequest));
    }
}
