using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Compute.Drivers;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Data;
using CloudBox.Core.Modules;
using CloudBox.Core.Networking;
using CloudBox.Networking;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Compute.Tests;

/// <summary>
/// Servers on networks, with the Networking module in the same cloud (its data plane off): ports
/// made or bound at create, addresses in server bodies, the VM's interfaces, and ports given back
/// on delete, on a failed build and after a crash.
/// </summary>
public sealed class ServerNetworkTests(DatabaseEngine engine) : ComputeFixture(engine)
{
    protected override ICloudModule[] OtherModules => [new NetworkingModule(new NetworkSettings { DataPlane = false })];

    private Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> Neutron(HttpMethod method, string path, string token, JsonNode? body = null) =>
        Cloud.SendAsync(method, "/network/v2.0" + path, token, body);

    /// <summary>A network named <c>net-…</c> with one IPv4 subnet; returns its id and name.</summary>
    private async Task<(string Id, string Name)> NetworkAsync(string token, string cidr, JsonObject? subnetExtra = null)
    {
        var name = Unique("net");
        var (status, network, _) = await Neutron(HttpMethod.Post, "/networks", token, new JsonObject { ["network"] = new JsonObject { ["name"] = name } });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), network?.ToJsonString());
        var id = network!["network"]!["id"]!.GetValue<string>();
        var subnet = new JsonObject { ["network_id"] = id, ["cidr"] = cidr, ["ip_version"] = 4 };
        foreach (var (key, value) in subnetExtra ?? [])
            subnet[key] = value?.DeepClone();
        var (created, body, _) = await Neutron(HttpMethod.Post, "/subnets", token, new JsonObject { ["subnet"] = subnet });
        Assert.That(created, Is.EqualTo(HttpStatusCode.Created), body?.ToJsonString());
        return (id, name);
    }

    private async Task<JsonArray> PortsOfAsync(string serverId, string token)
    {
        var (_, body, _) = await Neutron(HttpMethod.Get, $"/ports?device_id={serverId}", token);
        return body!["ports"]!.AsArray();
    }

    private async Task<string> CreateOnAsync(string token, JsonNode networks, HttpStatusCode expected = HttpStatusCode.Accepted)
    {
        var (status, body) = await CreateServerAsync(token, extra: new JsonObject { ["networks"] = networks });
        Assert.That(status, Is.EqualTo(expected), body?.ToJsonString());
        return status == HttpStatusCode.Accepted ? body!["server"]!["id"]!.GetValue<string>() : body!.ToJsonString();
    }

    private async Task<string> SecurityGroupAsync(string token, string name)
    {
        var (status, body, _) = await Neutron(HttpMethod.Post, "/security-groups", token,
            new JsonObject { ["security_group"] = new JsonObject { ["name"] = name } });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), body?.ToJsonString());
        return body!["security_group"]!["id"]!.GetValue<string>();
    }

    [Test]
    public async Task The_security_groups_of_a_create_go_on_the_ports_it_makes_and_show_on_the_server()
    {
        var (member, _) = await NewMemberAsync();
        var (networkId, _) = await NetworkAsync(member, "10.91.0.0/24");
        var web = Unique("web");
        var webId = await SecurityGroupAsync(member, web);
        var db = Unique("db");
        var dbId = await SecurityGroupAsync(member, db);
        var networks = new JsonArray(new JsonObject { ["uuid"] = networkId });

        // One by name, one by id (Nova takes either in "name"), the first twice: each once on the port.
        var (status, created) = await CreateServerAsync(member, extra: new JsonObject
        {
            ["networks"] = networks.DeepClone(),
            ["security_groups"] = new JsonArray(new JsonObject { ["name"] = web }, new JsonObject { ["name"] = dbId }, new JsonObject { ["name"] = web }),
        });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), created?.ToJsonString());
        Assert.That(created!["server"]!["security_groups"]!.AsArray().Select(g => g!["name"]!.GetValue<string>()), Is.EqualTo(new[] { web, dbId }));
        var serverId = created["server"]!["id"]!.GetValue<string>();
        var port = (await PortsOfAsync(serverId, member)).Single()!;
        Assert.That(port["security_groups"]!.AsArray().Select(g => g!.GetValue<string>()), Is.EquivalentTo(new[] { webId, dbId }));
        var (_, shown, _) = await Nova(HttpMethod.Get, "/servers/" + serverId, member);
        Assert.That(shown!["server"]!["security_groups"]!.AsArray().Select(g => g!["name"]!.GetValue<string>()), Is.EquivalentTo(new[] { web, db }));

        // Without any, the port is in the project's default group, and the server shows "default".
        var plain = await CreateOnAsync(member, networks.DeepClone());
        var (_, plainShown, _) = await Nova(HttpMethod.Get, "/servers/" + plain, member);
        Assert.That(plainShown!["server"]!["security_groups"]!.AsArray().Select(g => g!["name"]!.GetValue<string>()), Is.EqualTo(new[] { "default" }));
    }

    [Test]
    public async Task Add_and_remove_security_group_change_every_port_of_the_server()
    {
        var (member, _) = await NewMemberAsync();
        var (first, _) = await NetworkAsync(member, "10.93.0.0/24");
        var (second, _) = await NetworkAsync(member, "10.94.0.0/24");
        var web = Unique("web");
        var webId = await SecurityGroupAsync(member, web);
        var serverId = await CreateOnAsync(member, new JsonArray(new JsonObject { ["uuid"] = first }, new JsonObject { ["uuid"] = second }));
        async Task<HttpStatusCode> Act(string action, string name)
        {
            var (status, _, _) = await Nova(HttpMethod.Post, $"/servers/{serverId}/action", member,
                new JsonObject { [action] = new JsonObject { ["name"] = name } });
            return status;
        }
        async Task<string[]> ShownAsync()
        {
            var (_, shown, _) = await Nova(HttpMethod.Get, "/servers/" + serverId, member);
            return [.. (shown!["server"]!["security_groups"]?.AsArray() ?? []).Select(g => g!["name"]!.GetValue<string>())];
        }

        Assert.That(await Act("addSecurityGroup", web), Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(await Act("addSecurityGroup", webId), Is.EqualTo(HttpStatusCode.Accepted), "adding a group the ports have is a no-op");
        var ports = await PortsOfAsync(serverId, member);
        Assert.That(ports, Has.Count.EqualTo(2));
        foreach (var port in ports)
            Assert.That(port!["security_groups"]!.AsArray().Select(g => g!.GetValue<string>()).Count(g => g == webId), Is.EqualTo(1));
        Assert.That(await ShownAsync(), Is.EquivalentTo(new[] { "default", web }));

        Assert.That(await Act("removeSecurityGroup", "default"), Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(await ShownAsync(), Is.EqualTo(new[] { web }));
        var (_, ofServer, _) = await Nova(HttpMethod.Get, $"/servers/{serverId}/os-security-groups", member);
        Assert.That(ofServer!["security_groups"]!.AsArray().Select(g => g!["id"]!.GetValue<string>()), Is.EqualTo(new[] { webId }));
        // The proxy the stock client looks groups up with: by id, or by a name used once.
        var (byName, found, _) = await Nova(HttpMethod.Get, "/os-security-groups/" + web, member);
        Assert.That(byName, Is.EqualTo(HttpStatusCode.OK), found?.ToJsonString());
        Assert.That(found!["security_group"]!["id"]!.GetValue<string>(), Is.EqualTo(webId));
        var (missing, _, _) = await Nova(HttpMethod.Get, "/os-security-groups/no-such-group", member);
        Assert.That(missing, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await Act("removeSecurityGroup", "default"), Is.EqualTo(HttpStatusCode.BadRequest), "not in use on the server any more");
        Assert.That(await Act("addSecurityGroup", "no-such-group"), Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await Act("addSecurityGroup", " "), Is.EqualTo(HttpStatusCode.BadRequest));

        // A group of another project is as unknown as one that does not exist.
        var (other, _) = await NewMemberAsync();
        var foreign = await SecurityGroupAsync(other, Unique("foreign"));
        Assert.That(await Act("addSecurityGroup", foreign), Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Unknown_ambiguous_or_malformed_security_groups_are_refused_before_anything_is_made()
    {
        var (member, _) = await NewMemberAsync();
        var (networkId, _) = await NetworkAsync(member, "10.92.0.0/24");
        var twice = Unique("twice");
        await SecurityGroupAsync(member, twice);
        await SecurityGroupAsync(member, twice);
        async Task<(HttpStatusCode, string)> Create(JsonNode groups)
        {
            var (status, body) = await CreateServerAsync(member, extra: new JsonObject
            {
                ["networks"] = new JsonArray(new JsonObject { ["uuid"] = networkId }),
                ["security_groups"] = groups,
            });
            return (status, body?.ToJsonString() ?? "");
        }

        var (unknown, unknownBody) = await Create(new JsonArray(new JsonObject { ["name"] = "no-such-group" }));
        Assert.That(unknown, Is.EqualTo(HttpStatusCode.BadRequest), unknownBody);
        Assert.That(unknownBody, Does.Contain("no-such-group"));
        var (ambiguous, ambiguousBody) = await Create(new JsonArray(new JsonObject { ["name"] = twice }));
        Assert.That(ambiguous, Is.EqualTo(HttpStatusCode.Conflict), ambiguousBody);
        Assert.That(ambiguousBody, Does.Contain("Use an ID"));
        var (notList, _) = await Create(JsonValue.Create("default"));
        Assert.That(notList, Is.EqualTo(HttpStatusCode.BadRequest));
        var (extraKey, _) = await Create(new JsonArray(new JsonObject { ["name"] = "default", ["id"] = "x" }));
        Assert.That(extraKey, Is.EqualTo(HttpStatusCode.BadRequest));
        var tooMany = new JsonArray([.. Enumerable.Range(0, 101).Select(i => (JsonNode)new JsonObject { ["name"] = "g" + i })]);
        var (many, _) = await Create(tooMany);
        Assert.That(many, Is.EqualTo(HttpStatusCode.BadRequest));

        // Nothing was left: no server and no port of the project's.
        var (_, servers, _) = await Nova(HttpMethod.Get, "/servers", member);
        Assert.That(servers!["servers"]!.AsArray(), Is.Empty);
        var (_, ports, _) = await Neutron(HttpMethod.Get, $"/ports?network_id={networkId}&device_owner=compute:nova", member);
        Assert.That(ports!["ports"]!.AsArray(), Is.Empty);
    }

    [Test]
    public async Task A_member_cannot_choose_a_fixed_ip_on_a_shared_network_they_do_not_own()
    {
        var (member, _) = await NewMemberAsync();
        var (networkId, _) = await NetworkAsync(AdminToken, "10.88.0.0/24");
        var (shared, _, _) = await Neutron(HttpMethod.Put, $"/networks/{networkId}", AdminToken,
            new JsonObject { ["network"] = new JsonObject { ["shared"] = true } });
        Assert.That(shared, Is.EqualTo(HttpStatusCode.OK));
        // The subnet's gateway address, through Nova instead of Neutron: refused the same way.
        await CreateOnAsync(member, new JsonArray(new JsonObject { ["uuid"] = networkId, ["fixed_ip"] = "10.88.0.1" }), HttpStatusCode.Forbidden);
        var (_, ports, _) = await Neutron(HttpMethod.Get, $"/ports?network_id={networkId}", AdminToken);
        Assert.That(ports!["ports"]!.AsArray().Where(p => p!["fixed_ips"]!.AsArray().Any(ip => ip!["ip_address"]!.GetValue<string>() == "10.88.0.1")), Is.Empty);
        // A pool address is fine.
        var serverId = await CreateOnAsync(member, new JsonArray(new JsonObject { ["uuid"] = networkId }));

        // Leave no shared network behind: other tests of this cloud count on a new member seeing none.
        await Nova(HttpMethod.Delete, "/servers/" + serverId, member);
        for (var i = 0; i < 300; i++)
        {
            var (_, left, _) = await Neutron(HttpMethod.Get, $"/ports?network_id={networkId}&device_id={serverId}", AdminToken);
            if (left!["ports"]!.AsArray().Count == 0)
                break;
            await Task.Delay(100);
        }
        var (unshared, body, _) = await Neutron(HttpMethod.Put, $"/networks/{networkId}", AdminToken,
            new JsonObject { ["network"] = new JsonObject { ["shared"] = false } });
        Assert.That(unshared, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
    }

    [Test]
    public async Task A_server_on_a_network_gets_a_port_an_address_and_a_nic_and_delete_gives_them_back()
    {
        var (member, _) = await NewMemberAsync();
        var (networkId, networkName) = await NetworkAsync(member, "10.40.0.0/24");
        var id = await CreateOnAsync(member, new JsonArray(new JsonObject { ["uuid"] = networkId }));
        var server = await WaitForStatusAsync(id, "ACTIVE", member);

        var ports = await PortsOfAsync(id, member);
        Assert.That(ports, Has.Count.EqualTo(1));
        var port = ports[0]!;
        Assert.That(port["device_owner"]!.GetValue<string>(), Is.EqualTo("compute:nova"));
        Assert.That(port["network_id"]!.GetValue<string>(), Is.EqualTo(networkId));
        Assert.That(port["status"]!.GetValue<string>(), Is.EqualTo("ACTIVE"), "the VM runs, so its port is up");
        var address = port["fixed_ips"]![0]!["ip_address"]!.GetValue<string>();
        var mac = port["mac_address"]!.GetValue<string>();

        var entry = server["addresses"]![networkName]![0]!;
        Assert.That(entry["addr"]!.GetValue<string>(), Is.EqualTo(address));
        Assert.That(entry["version"]!.GetValue<int>(), Is.EqualTo(4));
        Assert.That(entry["OS-EXT-IPS:type"]!.GetValue<string>(), Is.EqualTo("fixed"));
        Assert.That(entry["OS-EXT-IPS-MAC:mac_addr"]!.GetValue<string>(), Is.EqualTo(mac));
        var (_, detail, _) = await Nova(HttpMethod.Get, "/servers/detail", member);
        Assert.That(detail!["servers"]![0]!["addresses"]![networkName]![0]!["addr"]!.GetValue<string>(), Is.EqualTo(address));

        // The VM plugs the port's tap (tap + 11 characters of its id) with the port's MAC.
        var nic = Driver.Started[id].Nics.Single();
        Assert.That(nic.Tap, Is.EqualTo("tap" + port["id"]!.GetValue<string>()[..11]));
        Assert.That(nic.Mac, Is.EqualTo(mac));

        var (listed, interfaces, _) = await Nova(HttpMethod.Get, $"/servers/{id}/os-interface", member);
        Assert.That(listed, Is.EqualTo(HttpStatusCode.OK));
        var attachment = interfaces!["interfaceAttachments"]!.AsArray().Single()!;
        Assert.That(attachment["port_id"]!.GetValue<string>(), Is.EqualTo(port["id"]!.GetValue<string>()));
        Assert.That(attachment["net_id"]!.GetValue<string>(), Is.EqualTo(networkId));
        Assert.That(attachment["mac_addr"]!.GetValue<string>(), Is.EqualTo(mac));
        Assert.That(attachment["port_state"]!.GetValue<string>(), Is.EqualTo("ACTIVE"));
        Assert.That(attachment["fixed_ips"]![0]!["ip_address"]!.GetValue<string>(), Is.EqualTo(address));
        var (shown, one, _) = await Nova(HttpMethod.Get, $"/servers/{id}/os-interface/{port["id"]}", member);
        Assert.That(shown, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(one!["interfaceAttachment"]!["port_id"]!.GetValue<string>(), Is.EqualTo(port["id"]!.GetValue<string>()));
        Assert.That((await Nova(HttpMethod.Get, $"/servers/{id}/os-interface/{Guid.NewGuid()}", member)).Status, Is.EqualTo(HttpStatusCode.NotFound));

        await ActAsync(id, new JsonObject { ["os-stop"] = null }, member);
        Assert.That((await PortsOfAsync(id, member))[0]!["status"]!.GetValue<string>(), Is.EqualTo("DOWN"));

        Assert.That((await Nova(HttpMethod.Delete, $"/servers/{id}", member)).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(await PortsOfAsync(id, member), Is.Empty);
        // The address is free again: a port may take it.
        var (reuse, reused, _) = await Neutron(HttpMethod.Post, "/ports", member, new JsonObject
        {
            ["port"] = new JsonObject { ["network_id"] = networkId, ["fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = address }) },
        });
        Assert.That(reuse, Is.EqualTo(HttpStatusCode.Created), reused?.ToJsonString());
    }

    [Test]
    public async Task A_given_port_is_bound_then_kept_unbound_after_delete_and_a_fixed_ip_is_honoured()
    {
        var (member, _) = await NewMemberAsync();
        var (networkId, networkName) = await NetworkAsync(member, "10.41.0.0/24");
        var (_, created, _) = await Neutron(HttpMethod.Post, "/ports", member, new JsonObject { ["port"] = new JsonObject { ["network_id"] = networkId } });
        var portId = created!["port"]!["id"]!.GetValue<string>();

        var withPort = await CreateOnAsync(member, new JsonArray(new JsonObject { ["port"] = portId }));
        await WaitForStatusAsync(withPort, "ACTIVE", member);
        var (_, bound, _) = await Neutron(HttpMethod.Get, $"/ports/{portId}", member);
        Assert.That(bound!["port"]!["device_id"]!.GetValue<string>(), Is.EqualTo(withPort));
        Assert.That(bound["port"]!.AsObject().ContainsKey("binding:host_id"), Is.False, "where a port is bound is the operator's to see");
        var (_, boundAsAdmin, _) = await Neutron(HttpMethod.Get, $"/ports/{portId}", AdminToken);
        Assert.That(boundAsAdmin!["port"]!["binding:host_id"]!.GetValue<string>(), Is.Not.Empty);

        // The same port for a second server: Nova's 409.
        var (inUse, fault) = await CreateServerAsync(member, extra: new JsonObject { ["networks"] = new JsonArray(new JsonObject { ["port"] = portId }) });
        Assert.That(inUse, Is.EqualTo(HttpStatusCode.Conflict), fault?.ToJsonString());
        Assert.That(fault!["conflictingRequest"]!["message"]!.GetValue<string>(), Does.Contain(portId));

        Assert.That((await Nova(HttpMethod.Delete, $"/servers/{withPort}", member)).Status, Is.EqualTo(HttpStatusCode.NoContent));
        var (kept, after, _) = await Neutron(HttpMethod.Get, $"/ports/{portId}", member);
        Assert.That(kept, Is.EqualTo(HttpStatusCode.OK), "a port the user brought outlives the server");
        Assert.That(after!["port"]!["device_id"]!.GetValue<string>(), Is.Empty);
        Assert.That(after["port"]!["device_owner"]!.GetValue<string>(), Is.Empty);

        var withFixed = await CreateOnAsync(member, new JsonArray(new JsonObject { ["uuid"] = networkId, ["fixed_ip"] = "10.41.0.77" }));
        var server = await WaitForStatusAsync(withFixed, "ACTIVE", member);
        Assert.That(server["addresses"]![networkName]![0]!["addr"]!.GetValue<string>(), Is.EqualTo("10.41.0.77"));
        var (taken, takenFault) = await CreateServerAsync(member, extra: new JsonObject
        {
            ["networks"] = new JsonArray(new JsonObject { ["uuid"] = networkId, ["fixed_ip"] = "10.41.0.77" }),
        });
        Assert.That(taken, Is.EqualTo(HttpStatusCode.BadRequest), takenFault?.ToJsonString());
    }

    [Test]
    public async Task Bad_network_requests_are_refused_synchronously_and_leave_no_port_behind()
    {
        var (member, _) = await NewMemberAsync();
        var (stranger, _) = await NewMemberAsync();
        var (strangersNetwork, _) = await NetworkAsync(stranger, "10.42.0.0/24");

        var unknown = Guid.NewGuid().ToString();
        var (status, fault) = await CreateServerAsync(member, extra: new JsonObject { ["networks"] = new JsonArray(new JsonObject { ["uuid"] = unknown }) });
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(fault!["badRequest"]!["message"]!.GetValue<string>(), Is.EqualTo($"Network {unknown} could not be found."));
        // Another project's private network is as unknown as a missing one.
        Assert.That((await CreateServerAsync(member, extra: new JsonObject
        {
            ["networks"] = new JsonArray(new JsonObject { ["uuid"] = strangersNetwork }),
        })).Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await CreateServerAsync(member, extra: new JsonObject
        {
            ["networks"] = new JsonArray(new JsonObject { ["uuid"] = "not-a-uuid" }),
        })).Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await CreateServerAsync(member, extra: new JsonObject
        {
            ["networks"] = new JsonArray(new JsonObject { ["port"] = Guid.NewGuid().ToString() }),
        })).Status, Is.EqualTo(HttpStatusCode.BadRequest));

        // Two networks and a bad second request: the first port is not left behind.
        var (good, _) = await NetworkAsync(member, "10.43.0.0/24");
        var (_, before, _) = await Neutron(HttpMethod.Get, $"/ports?network_id={good}", member);
        var (mixed, _) = await CreateServerAsync(member, extra: new JsonObject
        {
            ["networks"] = new JsonArray(new JsonObject { ["uuid"] = good }, new JsonObject { ["uuid"] = unknown }),
        });
        Assert.That(mixed, Is.EqualTo(HttpStatusCode.BadRequest));
        var (_, after, _) = await Neutron(HttpMethod.Get, $"/ports?network_id={good}", member);
        Assert.That(after!["ports"]!.AsArray(), Has.Count.EqualTo(before!["ports"]!.AsArray().Count));
        var (_, servers, _) = await Nova(HttpMethod.Get, "/servers", member);
        Assert.That(servers!["servers"]!.AsArray(), Is.Empty);
    }

    [Test]
    public async Task Auto_and_absent_networks_use_the_projects_only_network()
    {
        var (member, _) = await NewMemberAsync();
        // 2.37: "auto" with no network to use is refused; before 2.37 no networks means no interface.
        var server = new JsonObject { ["name"] = Unique("vm"), ["imageRef"] = ImageId, ["flavorRef"] = "1", ["networks"] = "auto" };
        var (refused, _) = await NovaAt("2.37", HttpMethod.Post, "/servers", member, new JsonObject { ["server"] = server.DeepClone() });
        Assert.That(refused, Is.EqualTo(HttpStatusCode.BadRequest));
        var bare = new JsonObject { ["name"] = Unique("vm"), ["imageRef"] = ImageId, ["flavorRef"] = "1" };
        var (noNetwork, none) = await NovaAt("2.1", HttpMethod.Post, "/servers", member, new JsonObject { ["server"] = bare.DeepClone() });
        Assert.That(noNetwork, Is.EqualTo(HttpStatusCode.Accepted), none?.ToJsonString());
        var (missing, _) = await NovaAt("2.37", HttpMethod.Post, "/servers", member, new JsonObject { ["server"] = bare.DeepClone() });
        Assert.That(missing, Is.EqualTo(HttpStatusCode.BadRequest), "2.37 requires networks");

        var (_, networkName) = await NetworkAsync(member, "10.44.0.0/24");
        var (accepted, body) = await NovaAt("2.37", HttpMethod.Post, "/servers", member, new JsonObject { ["server"] = server.DeepClone() });
        Assert.That(accepted, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var active = await WaitForStatusAsync(body!["server"]!["id"]!.GetValue<string>(), "ACTIVE", member);
        Assert.That(active["addresses"]![networkName]!.AsArray(), Has.Count.EqualTo(1));
        var (implicitly, second) = await NovaAt("2.1", HttpMethod.Post, "/servers", member, new JsonObject { ["server"] = bare.DeepClone() });
        Assert.That(implicitly, Is.EqualTo(HttpStatusCode.Accepted));
        var implicitServer = await WaitForStatusAsync(second!["server"]!["id"]!.GetValue<string>(), "ACTIVE", member);
        Assert.That(implicitServer["addresses"]![networkName]!.AsArray(), Has.Count.EqualTo(1));

        // A second network makes the choice ambiguous: Nova's 409.
        await NetworkAsync(member, "10.45.0.0/24");
        var (ambiguous, _) = await NovaAt("2.37", HttpMethod.Post, "/servers", member, new JsonObject { ["server"] = server.DeepClone() });
        Assert.That(ambiguous, Is.EqualTo(HttpStatusCode.Conflict));
    }

    [Test]
    public async Task Interfaces_attach_and_detach_while_the_server_is_stopped()
    {
        var (member, _) = await NewMemberAsync();
        var (first, _) = await NetworkAsync(member, "10.48.0.0/24");
        var (second, secondName) = await NetworkAsync(member, "10.49.0.0/24");
        var id = await CreateOnAsync(member, new JsonArray(new JsonObject { ["uuid"] = first }));
        await WaitForStatusAsync(id, "ACTIVE", member);
        var attach = new JsonObject { ["interfaceAttachment"] = new JsonObject { ["net_id"] = second, ["fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = "10.49.0.9" }) } };

        await ActAsync(id, new JsonObject { ["os-stop"] = null }, member);
        await WaitForStatusAsync(id, "SHUTOFF", member);
        var (attached, body, _) = await Nova(HttpMethod.Post, $"/servers/{id}/os-interface", member, attach);
        Assert.That(attached, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        var newPort = body!["interfaceAttachment"]!["port_id"]!.GetValue<string>();
        Assert.That(body["interfaceAttachment"]!["net_id"]!.GetValue<string>(), Is.EqualTo(second));
        Assert.That((await ShowServerAsync(id, member))["addresses"]![secondName]![0]!["addr"]!.GetValue<string>(), Is.EqualTo("10.49.0.9"));

        // The next start plugs both, the new one second.
        await ActAsync(id, new JsonObject { ["os-start"] = null }, member);
        await WaitForStatusAsync(id, "ACTIVE", member);
        var nics = Driver.Started[id].Nics;
        Assert.That(nics, Has.Count.EqualTo(2));
        Assert.That(nics[1].Tap, Is.EqualTo("tap" + newPort[..11]));

        await ActAsync(id, new JsonObject { ["os-stop"] = null }, member);
        await WaitForStatusAsync(id, "SHUTOFF", member);
        Assert.That((await Nova(HttpMethod.Delete, $"/servers/{id}/os-interface/{newPort}", member)).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That((await Nova(HttpMethod.Delete, $"/servers/{id}/os-interface/{newPort}", member)).Status, Is.EqualTo(HttpStatusCode.NotFound));
        var (_, gone, _) = await Neutron(HttpMethod.Get, $"/ports/{newPort}", member);
        Assert.That(gone?["port"], Is.Null, "a port made for the server goes with the detach");
        var (_, left, _) = await Nova(HttpMethod.Get, $"/servers/{id}/os-interface", member);
        Assert.That(left!["interfaceAttachments"]!.AsArray(), Has.Count.EqualTo(1));
        await ActAsync(id, new JsonObject { ["os-start"] = null }, member);
        await WaitForStatusAsync(id, "ACTIVE", member);
        Assert.That(Driver.Started[id].Nics, Has.Count.EqualTo(1));
    }


    private static string TapOf(string portId) => "tap" + portId[..11];

    /// <summary>The taps the VM's next start plugs, from the server row (what a restart of the VM uses).</summary>
    private async Task<IReadOnlyList<string>> DefinedTapsAsync(string id)
    {
        var record = await Cloud.Services.GetRequiredService<Servers.ServerStore>().FindAsync(id, CancellationToken.None);
        return [.. Cloud.Services.GetRequiredService<Build.VmDefinitions>().For(record!).Nics.Select(n => n.Tap)];
    }

    [Test]
    public async Task An_interface_attached_to_a_running_server_is_hot_plugged_into_its_VM_and_unplugged_on_detach()
    {
        var (member, _) = await NewMemberAsync();
        var (first, _) = await NetworkAsync(member, "10.52.0.0/24");
        var (second, secondName) = await NetworkAsync(member, "10.53.0.0/24");
        var id = await CreateOnAsync(member, new JsonArray(new JsonObject { ["uuid"] = first }));
        await WaitForStatusAsync(id, "ACTIVE", member);
        var booted = (await PortsOfAsync(id, member)).Single()!["id"]!.GetValue<string>();
        Assert.That(Driver.NicsOf(id).Keys, Is.EqualTo(new[] { TapOf(booted) }), "the VM booted with its port");

        var attach = new JsonObject { ["interfaceAttachment"] = new JsonObject { ["net_id"] = second, ["fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = "10.53.0.7" }) } };
        var (attached, body, _) = await Nova(HttpMethod.Post, $"/servers/{id}/os-interface", member, attach);
        Assert.That(attached, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        var portId = body!["interfaceAttachment"]!["port_id"]!.GetValue<string>();
        var mac = body["interfaceAttachment"]!["mac_addr"]!.GetValue<string>();
        Assert.That(body["interfaceAttachment"]!["port_state"]!.GetValue<string>(), Is.EqualTo("ACTIVE"));
        Assert.That(Driver.Hotplugs.Where(h => h.ServerId == id), Is.EqualTo(new[] { ("attach-nic", id, TapOf(portId)) }));
        Assert.That(Driver.NicsOf(id)[TapOf(portId)], Is.EqualTo(mac));
        var (_, listed, _) = await Nova(HttpMethod.Get, $"/servers/{id}/os-interface", member);
        Assert.That(listed!["interfaceAttachments"]!.AsArray().Select(a => a!["port_id"]!.GetValue<string>()), Is.EquivalentTo(new[] { booted, portId }));
        Assert.That((await ShowServerAsync(id, member))["addresses"]![secondName]![0]!["addr"]!.GetValue<string>(), Is.EqualTo("10.53.0.7"));
        Assert.That(await DefinedTapsAsync(id), Is.EqualTo(new[] { TapOf(booted), TapOf(portId) }), "a restart of the VM keeps it");
        var (_, neutronPort, _) = await Neutron(HttpMethod.Get, $"/ports/{portId}", member);
        Assert.That(neutronPort!["port"]!["status"]!.GetValue<string>(), Is.EqualTo("ACTIVE"), "plugged into a running VM");

        // A hypervisor that fails the plug leaves nothing behind: no port, no row entry.
        try
        {
            Driver.NicHotplug = new HotplugResult(HotplugOutcome.Failed, "500 the tap is gone");
            var (failed, fault, _) = await Nova(HttpMethod.Post, $"/servers/{id}/os-interface", member,
                new JsonObject { ["interfaceAttachment"] = new JsonObject { ["net_id"] = second } });
            Assert.That(failed, Is.EqualTo(HttpStatusCode.InternalServerError), fault?.ToJsonString());
            Assert.That(await PortsOfAsync(id, member), Has.Count.EqualTo(2));
            Assert.That(await DefinedTapsAsync(id), Has.Count.EqualTo(2));
            Driver.NicHotplug = new HotplugResult(HotplugOutcome.Unsupported, "405");
            var (refused, _, _) = await Nova(HttpMethod.Post, $"/servers/{id}/os-interface", member,
                new JsonObject { ["interfaceAttachment"] = new JsonObject { ["net_id"] = second } });
            Assert.That(refused, Is.EqualTo(HttpStatusCode.Conflict), "a hypervisor without NIC hot-plug");
            Assert.That(await PortsOfAsync(id, member), Has.Count.EqualTo(2));
        }
        finally
        {
            Driver.NicHotplug = HotplugResult.Done;
        }

        Assert.That((await Nova(HttpMethod.Delete, $"/servers/{id}/os-interface/{portId}", member)).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(Driver.Hotplugs.Last(h => h.ServerId == id), Is.EqualTo(("detach-nic", id, TapOf(portId))));
        Assert.That(Driver.NicsOf(id).Keys, Is.EqualTo(new[] { TapOf(booted) }));
        var (gone, _, _) = await Neutron(HttpMethod.Get, $"/ports/{portId}", member);
        Assert.That(gone, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await DefinedTapsAsync(id), Is.EqualTo(new[] { TapOf(booted) }));
        Assert.That((await Nova(HttpMethod.Delete, $"/servers/{id}/os-interface/{portId}", member)).Status, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Interface_changes_a_crash_cut_short_are_settled_at_start()
    {
        var (member, projectId) = await NewMemberAsync();
        var (networkId, _) = await NetworkAsync(member, "10.54.0.0/24");
        var id = await CreateOnAsync(member, new JsonArray(new JsonObject { ["uuid"] = networkId }));
        await WaitForStatusAsync(id, "ACTIVE", member);
        var recorded = (await PortsOfAsync(id, member)).Single()!["id"]!.GetValue<string>();
        Driver.NicsOf(id).Clear();
        // A crash after an attach recorded its port but before it was plugged: the VM lacks a recorded port.
        // A crash after a detach took a port off the row but before it was unplugged and released: bound, plugged, not recorded.
        var caller = new CallerContext
        {
            Token = "t", UserId = "u", UserName = "u", UserDomainId = "default", UserDomainName = "Default", ProjectId = projectId,
        };
        var half = (await Cloud.Services.GetRequiredService<INetworkPorts>().AllocateAsync(id, "nova", [new PortRequest(networkId, null, null)], [], caller, CancellationToken.None))[0];
        Driver.NicsOf(id)[half.TapName] = half.MacAddress;
        Assert.That(await PortsOfAsync(id, member), Has.Count.EqualTo(2));

        await Cloud.RestartAsync();
        var admin = await Cloud.AdminTokenAsync();
        var left = await PortsOfAsync(id, admin);
        Assert.That(left.Select(p => p!["id"]!.GetValue<string>()), Is.EqualTo(new[] { recorded }), "the half-attached port is released");
        Assert.That(Driver.Hotplugs, Does.Contain(("detach-nic", id, half.TapName)), "and unplugged");
        Assert.That(Driver.Hotplugs, Does.Contain(("attach-nic", id, TapOf(recorded))), "the recorded port the VM lacked is plugged");
        Assert.That(Driver.NicsOf(id).Keys, Is.EquivalentTo(new[] { TapOf(recorded) }));
        var (_, listed, _) = await Nova(HttpMethod.Get, $"/servers/{id}/os-interface", admin);
        Assert.That(listed!["interfaceAttachments"]!.AsArray().Select(a => a!["port_id"]!.GetValue<string>()), Is.EqualTo(new[] { recorded }));
    }

    [Test]
    public async Task A_failed_build_gives_its_ports_back()
    {
        var (member, _) = await NewMemberAsync();
        var (networkId, _) = await NetworkAsync(member, "10.46.0.0/24");
        Driver.FailStarts = "the VMM could not open its tap";
        try
        {
            var id = await CreateOnAsync(member, new JsonArray(new JsonObject { ["uuid"] = networkId }));
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while ((await ShowServerAsync(id, member))["status"]!.GetValue<string>() != "ERROR" && DateTime.UtcNow < deadline)
                await Task.Delay(100);
            var server = await ShowServerAsync(id, member);
            Assert.That(server["status"]!.GetValue<string>(), Is.EqualTo("ERROR"));
            // The ERROR state is written first (it is what a restart must not lose), the ports are given back right after.
            deadline = DateTime.UtcNow.AddSeconds(10);
            while ((await PortsOfAsync(id, member)).Count > 0 && DateTime.UtcNow < deadline)
                await Task.Delay(100);
            Assert.That(await PortsOfAsync(id, member), Is.Empty);
            Assert.That((await ShowServerAsync(id, member))["addresses"]!.AsObject(), Is.Empty);
        }
        finally
        {
            Driver.FailStarts = null;
        }
    }

    [Test]
    public async Task Ports_allocated_for_a_server_that_was_never_written_are_released_at_start()
    {
        var (member, projectId) = await NewMemberAsync();
        var (networkId, _) = await NetworkAsync(member, "10.47.0.0/24");
        // What a crash between allocating the ports and inserting the server leaves: a claim and a port.
        var ghost = Guid.NewGuid().ToString();
        var ports = Cloud.Services.GetRequiredService<INetworkPorts>();
        var caller = new CallerContext
        {
            Token = "t", UserId = "u", UserName = "u", UserDomainId = "default", UserDomainName = "Default", ProjectId = projectId,
        };
        var allocated = await ports.AllocateAsync(ghost, "nova", [new PortRequest(networkId, null, null)], [], caller, CancellationToken.None);
        await using (var database = Cloud.OpenDatabase())
        await using (var connection = await database.OpenAsync())
        {
            await connection.ExecuteAsync("INSERT INTO compute_port_claims (server_id, host, created_at) VALUES (@ghost, 'test-node', '2026-01-01')", new { ghost });
        }
        Assert.That(await PortsOfAsync(ghost, AdminToken), Has.Count.EqualTo(1));

        await Cloud.RestartAsync();
        var admin = await Cloud.AdminTokenAsync();
        Assert.That(await PortsOfAsync(ghost, admin), Is.Empty);
        var (gone, _, _) = await Neutron(HttpMethod.Get, $"/ports/{allocated[0].PortId}", admin);
        Assert.That(gone, Is.EqualTo(HttpStatusCode.NotFound));
    }
}
