using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Volumes.Tests;

/// <summary>Requests Cinder refuses with 400: unknown sort keys and directions, invalid JSON text, NUL in names.</summary>
public sealed class RequestValidationTests(DatabaseEngine engine) : VolumesFixture(engine)
{
    [Test]
    public async Task Unknown_sort_keys_and_directions_are_400()
    {
        foreach (var query in new[] { "sort_key=nonsense", "sort_dir=sideways", "sort=size:sideways", "sort=nonsense:asc" })
        {
            var (status, body) = await CallAsync(HttpMethod.Get, "volumes/detail?" + query);
            Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), query + " " + body?.ToJsonString());
            Assert.That(body!["badRequest"]!["code"]!.GetValue<int>(), Is.EqualTo(400));
        }
        foreach (var query in new[] { "sort_key=size&sort_dir=desc", "sort=created_at:desc,name", "sort_key=display_name" })
            Assert.That((await CallAsync(HttpMethod.Get, "volumes?" + query)).Status, Is.EqualTo(HttpStatusCode.OK), query);
    }

    [Test]
    public async Task Invalid_json_text_and_nul_in_a_name_are_400()
    {
        foreach (var name in new[] { "\"v\\ud800\"", "\"v\\u0000x\"" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, Url("volumes"))
            {
                Content = new ByteArrayContent(Encoding.UTF8.GetBytes("{\"volume\":{\"size\":1,\"name\":" + name + "}}")),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Add("X-Auth-Token", AdminToken);
            using var response = await Cloud.Client.SendAsync(request);
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync());
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), name + " " + body?.ToJsonString());
            Assert.That(body!["badRequest"]!["code"]!.GetValue<int>(), Is.EqualTo(400));
        }
    }
}
