using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Networking.Tests.Api;

/// <summary>
/// Neutron's port policy on a network the caller does not own (an admin's shared network): a member
/// may take a port from the pool, but not choose its address, its MAC, its address pairs, turn its
/// port security off, or make it look like the cloud's own (<c>network:*</c>), on create or update.
/// </summary>
public sealed class SharedNetworkPortPolicyTests(DatabaseEngine engine) : NetworkEngineFixture(engine)
{
    private async Task<(JsonObject Network, JsonObject Subnet)> SharedNetworkAsync(string cidr)
    {
        var (network, subnet) = await NetworkWithSubnet(cidr);
        var (status, body, _) = await Send(HttpMethod.Put, "/networks/" + Id(network), new JsonObject { ["network"] = new JsonObject { ["shared"] = true } });
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        return (network, subnet);
    }

    private static JsonObject[] NetworkOwnerOnlyAttributes(JsonObject subnet) =>
    [
        new() { ["fixed_ips"] = new JsonArray(new JsonObject { ["subnet_id"] = Id(subnet), ["ip_address"] = subnet["gateway_ip"]!.GetValue<string>() }) },
        new() { ["fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = "10.70.0.77" }) },
        new() { ["mac_address"] = "fa:16:3e:00:11:22" },
        new() { ["allowed_address_pairs"] = new JsonArray(new JsonObject { ["ip_address"] = "0.0.0.0/0" }) },
        new() { ["port_security_enabled"] = false },
        new() { ["device_owner"] = "network:dhcp" },
        new() { ["device_owner"] = "network:router_interface" },
    ];

    [Test]
    public async Task A_member_cannot_set_network_owner_attributes_on_a_shared_network_port()
    {
        var (token, _) = await MemberAsync();
        var (network, subnet) = await SharedNetworkAsync("10.70.0.0/24");
        foreach (var attributes in NetworkOwnerOnlyAttributes(subnet))
        {
            attributes["network_id"] = Id(network);
            AssertFault(await Send(HttpMethod.Post, "/ports", new JsonObject { ["port"] = attributes }, token), 403, "PolicyNotAuthorized");
        }
        // What a member may do: a pool address on a chosen subnet, its own device owner, port security left on.
        var port = await Create("/ports", "port", new JsonObject
        {
            ["network_id"] = Id(network),
            ["fixed_ips"] = new JsonArray(new JsonObject { ["subnet_id"] = Id(subnet) }),
            ["device_owner"] = "compute:nova",
            ["port_security_enabled"] = true,
            ["allowed_address_pairs"] = new JsonArray(),
        }, token);
        Assert.That(port["fixed_ips"]![0]!["ip_address"]!.GetValue<string>(), Is.Not.EqualTo(subnet["gateway_ip"]!.GetValue<string>()));

        // The same attributes on update are refused too, and the port is unchanged.
        foreach (var attributes in NetworkOwnerOnlyAttributes(subnet))
            AssertFault(await Send(HttpMethod.Put, "/ports/" + Id(port), new JsonObject { ["port"] = attributes }, token), 403, "PolicyNotAuthorized");
        var (_, shown, _) = await Send(HttpMethod.Get, "/ports/" + Id(port), token: token);
        Assert.That(shown!["port"]!["port_security_enabled"]!.GetValue<bool>(), Is.True);
        Assert.That(shown["port"]!["device_owner"]!.GetValue<string>(), Is.EqualTo("compute:nova"));
        Assert.That(shown["port"]!["allowed_address_pairs"]!.AsArray(), Is.Empty);

        // Sending back the values the port already has is not a change, and is accepted.
        var (status, body, _) = await Send(HttpMethod.Put, "/ports/" + Id(port), new JsonObject
        {
            ["port"] = new JsonObject { ["name"] = "renamed", ["port_security_enabled"] = true, ["mac_address"] = port["mac_address"]!.GetValue<string>() },
        }, token);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());

        // The admin, who owns the network, still may.
        var adminPort = await Create("/ports", "port", new JsonObject
        {
            ["network_id"] = Id(network), ["mac_address"] = "fa:16:3e:00:11:23", ["port_security_enabled"] = false,
            ["fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = "10.70.0.78" }),
        });
        Assert.That(adminPort["mac_address"]!.GetValue<string>(), Is.EqualTo("fa:16:3e:00:11:23"));
    }

    [Test]
    public async Task A_member_sets_them_freely_on_their_own_network()
    {
        var (token, _) = await MemberAsync();
        var (network, _) = await NetworkWithSubnet("10.71.0.0/24", token);
        var port = await Create("/ports", "port", new JsonObject
        {
            ["network_id"] = Id(network), ["mac_address"] = "fa:16:3e:00:22:33", ["port_security_enabled"] = false,
            ["fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = "10.71.0.9" }),
        }, token);
        var (status, body, _) = await Send(HttpMethod.Put, "/ports/" + Id(port), new JsonObject
        {
            ["port"] = new JsonObject { ["port_security_enabled"] = true, ["allowed_address_pairs"] = new JsonArray(new JsonObject { ["ip_address"] = "10.71.0.50" }) },
        }, token);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
    }
}

/// <summary>Requests Neutron refuses with 400: unknown sort attributes and directions, invalid JSON text, NUL in names.</summary>
public sealed class NeutronRequestValidationTests(DatabaseEngine engine) : NetworkEngineFixture(engine)
{
    [Test]
    public async Task Unknown_sort_keys_and_directions_are_400()
    {
        await Create("/networks", "network", new JsonObject { ["name"] = Unique("sorted") });
        foreach (var query in new[] { "sort_key=nonsense&sort_dir=asc", "sort_key=name&sort_dir=sideways", "sort_key=name&sort_key=id&sort_dir=asc" })
        {
            var (status, body, _) = await Send(HttpMethod.Get, "/networks?" + query);
            Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), query + " " + body?.ToJsonString());
            Assert.That(body!["NeutronError"], Is.Not.Null);
        }
        var (ok, sorted, _) = await Send(HttpMethod.Get, "/networks?sort_key=name&sort_dir=desc");
        Assert.That(ok, Is.EqualTo(HttpStatusCode.OK));
        var names = sorted!["networks"]!.AsArray().Select(n => n!["name"]!.GetValue<string>()).ToList();
        Assert.That(names, Is.EqualTo(names.OrderByDescending(n => n, StringComparer.Ordinal).ToList()));
    }

    [Test]
    public async Task Invalid_json_text_and_nul_in_a_name_are_400_in_neutrons_fault_body()
    {
        foreach (var name in new[] { "\"n\\udfff\"", "\"n\\u0000x\"" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/network/v2.0/networks")
            {
                Content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes("{\"network\":{\"name\":" + name + "}}")),
            };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            request.Headers.Add("X-Auth-Token", AdminToken);
            using var response = await Cloud.Client.SendAsync(request);
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync());
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), name + " " + body?.ToJsonString());
            Assert.That(body!["NeutronError"], Is.Not.Null);
        }
    }
}
