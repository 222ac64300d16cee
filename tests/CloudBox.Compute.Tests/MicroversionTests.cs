using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Compute.Tests;

/// <summary>Behaviours that change with the requested microversion, up to the declared maximum.</summary>
public sealed class MicroversionTests(DatabaseEngine engine) : ComputeFixture(engine)
{
    private JsonObject Server(JsonObject? extra = null)
    {
        var server = new JsonObject { ["name"] = Unique("mv"), ["imageRef"] = ImageId, ["flavorRef"] = "1" };
        foreach (var (key, value) in extra ?? [])
            server[key] = value?.DeepClone();
        return new JsonObject { ["server"] = server };
    }

    [Test]
    public async Task From_2_37_networks_are_required_and_none_boots_without_a_nic()
    {
        var (missing, _) = await NovaAt("2.37", HttpMethod.Post, "/servers", AdminToken, Server());
        Assert.That(missing, Is.EqualTo(HttpStatusCode.BadRequest));
        var (status, body) = await NovaAt("2.37", HttpMethod.Post, "/servers", AdminToken, Server(new JsonObject { ["networks"] = "none" }));
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var server = await WaitForStatusAsync(body!["server"]!["id"]!.GetValue<string>(), "ACTIVE");
        Assert.That(server["addresses"]!.AsObject(), Is.Empty);
    }

    [Test]
    public async Task Descriptions_locked_and_tags_appear_from_their_microversions()
    {
        var (refused, _) = await NovaAt("2.1", HttpMethod.Post, "/servers", AdminToken, Server(new JsonObject { ["description"] = "d" }));
        Assert.That(refused, Is.EqualTo(HttpStatusCode.BadRequest));
        var (_, created) = await NovaAt("2.26", HttpMethod.Post, "/servers", AdminToken, Server(new JsonObject { ["description"] = "web tier" }));
        var id = created!["server"]!["id"]!.GetValue<string>();
        await WaitForStatusAsync(id, "ACTIVE");

        Assert.That((await NovaAt("2.26", HttpMethod.Put, $"/servers/{id}/tags/blue", AdminToken)).Status, Is.EqualTo(HttpStatusCode.Created));
        await NovaAt("2.26", HttpMethod.Put, $"/servers/{id}/tags/green", AdminToken);
        Assert.That((await NovaAt("2.26", HttpMethod.Get, $"/servers/{id}/tags/blue", AdminToken)).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await NovaAt("2.25", HttpMethod.Get, $"/servers/{id}/tags", AdminToken)).Status, Is.EqualTo(HttpStatusCode.NotFound));

        var (_, shown) = await NovaAt("2.26", HttpMethod.Get, $"/servers/{id}", AdminToken);
        Assert.That(shown!["server"]!["description"]!.GetValue<string>(), Is.EqualTo("web tier"));
        Assert.That(shown["server"]!["locked"]!.GetValue<bool>(), Is.False);
        Assert.That(shown["server"]!["tags"]!.AsArray().Select(t => t!.GetValue<string>()), Is.EqualTo(new[] { "blue", "green" }));
        Assert.That(shown["server"]!["OS-EXT-SRV-ATTR:kernel_id"]!.GetValue<string>(), Is.Not.Empty);

        var (_, old) = await NovaAt("2.1", HttpMethod.Get, $"/servers/{id}", AdminToken);
        Assert.That(old!["server"]!.AsObject().ContainsKey("tags"), Is.False);
        Assert.That(old["server"]!.AsObject().ContainsKey("description"), Is.False);

        var (_, tagged) = await NovaAt("2.26", HttpMethod.Get, "/servers?tags=blue,green", AdminToken);
        Assert.That(tagged!["servers"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()), Is.EqualTo(new[] { id }));
    }

    [Test]
    public async Task Key_pairs_carry_their_type_from_2_2()
    {
        var name = Unique("typed");
        var (status, body) = await NovaAt("2.2", HttpMethod.Post, "/os-keypairs", AdminToken, new JsonObject { ["keypair"] = new JsonObject { ["name"] = name, ["type"] = "ssh" } });
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        Assert.That(body!["keypair"]!["type"]!.GetValue<string>(), Is.EqualTo("ssh"));
        var (_, old) = await NovaAt("2.1", HttpMethod.Get, $"/os-keypairs/{name}", AdminToken);
        Assert.That(old!["keypair"]!.AsObject().ContainsKey("type"), Is.False);
    }

    [Test]
    public async Task Network_proxy_limits_disappear_at_2_36()
    {
        var (_, old) = await NovaAt("2.35", HttpMethod.Get, "/limits", AdminToken);
        Assert.That(old!["limits"]!["absolute"]!.AsObject().ContainsKey("maxSecurityGroups"), Is.True);
        var (_, current) = await NovaAt("2.36", HttpMethod.Get, "/limits", AdminToken);
        Assert.That(current!["limits"]!["absolute"]!.AsObject().ContainsKey("maxSecurityGroups"), Is.False);
    }
}
