using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CloudBox.Core.Compute;
using CloudBox.Core.Data;
using CloudBox.Core.Modules;
using CloudBox.Networking;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Compute.Tests;

/// <summary>
/// What a guest reads about itself: the metadata service's answers (asked in process, as
/// Networking's 169.254.169.254 proxy asks) and the same content on the config drive.
/// </summary>
public sealed class MetadataTests(DatabaseEngine engine) : ComputeFixture(engine)
{
    protected override ICloudModule[] OtherModules => [new NetworkingModule(new NetworkSettings { DataPlane = false })];

    private IInstanceMetadata Metadata => Cloud.Services.GetRequiredService<IInstanceMetadata>();

    private async Task<string> TextAsync(string serverId, string path)
    {
        var answer = await Metadata.GetAsync(serverId, path, CancellationToken.None);
        Assert.That(answer.StatusCode, Is.EqualTo(200), path);
        return Encoding.UTF8.GetString(answer.Body);
    }

    private async Task<JsonNode> JsonAsync(string serverId, string path) => JsonNode.Parse(await TextAsync(serverId, path))!;

    /// <summary>A server with a key, user data and metadata on a network whose subnet has no DHCP, a DNS server and a host route.</summary>
    private async Task<(string ServerId, JsonNode Port, string KeyName, string PublicKey, string UserData)> ServerOnStaticNetworkAsync(
        bool configDrive = false, bool dhcp = false)
    {
        var (_, network, _) = await Cloud.SendAsync(HttpMethod.Post, "/network/v2.0/networks", AdminToken,
            new JsonObject { ["network"] = new JsonObject { ["name"] = Unique("net") } });
        var networkId = network!["network"]!["id"]!.GetValue<string>();
        var (subnetStatus, subnet, _) = await Cloud.SendAsync(HttpMethod.Post, "/network/v2.0/subnets", AdminToken, new JsonObject
        {
            ["subnet"] = new JsonObject
            {
                ["network_id"] = networkId, ["cidr"] = "10.60.0.0/24", ["ip_version"] = 4, ["enable_dhcp"] = dhcp,
                ["dns_nameservers"] = new JsonArray("10.60.0.53"),
                ["host_routes"] = new JsonArray(new JsonObject { ["destination"] = "192.168.7.0/24", ["nexthop"] = "10.60.0.254" }),
            },
        });
        Assert.That(subnetStatus, Is.EqualTo(HttpStatusCode.Created), subnet?.ToJsonString());
        var keyName = Unique("key");
        var (_, keypair, _) = await Nova(HttpMethod.Post, "/os-keypairs", AdminToken, new JsonObject { ["keypair"] = new JsonObject { ["name"] = keyName } });
        var userData = "#cloud-config\nruncmd: [echo metadata]\n";
        var id = await CreateActiveServerAsync(extra: new JsonObject
        {
            ["networks"] = new JsonArray(new JsonObject { ["uuid"] = networkId }),
            ["key_name"] = keyName,
            ["user_data"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(userData)),
            ["metadata"] = new JsonObject { ["role"] = "db" },
            ["config_drive"] = configDrive,
        });
        var (_, ports, _) = await Cloud.SendAsync(HttpMethod.Get, $"/network/v2.0/ports?device_id={id}", AdminToken);
        return (id, ports!["ports"]![0]!, keyName, keypair!["keypair"]!["public_key"]!.GetValue<string>(), userData);
    }

    [Test]
    public async Task The_openstack_tree_describes_the_instance_its_ports_and_its_user_data()
    {
        var (id, port, keyName, publicKey, userData) = await ServerOnStaticNetworkAsync();
        Assert.That((await TextAsync(id, "/openstack")).Split('\n'), Does.Contain("latest").And.Contain("2012-08-10"));
        Assert.That((await TextAsync(id, "/openstack/latest/")).Split('\n'),
            Is.EquivalentTo(new[] { "meta_data.json", "user_data", "vendor_data.json", "network_data.json", "vendor_data2.json" }));

        var meta = await JsonAsync(id, "/openstack/latest/meta_data.json");
        Assert.That(meta["uuid"]!.GetValue<string>(), Is.EqualTo(id));
        Assert.That(meta["public_keys"]![keyName]!.GetValue<string>(), Is.EqualTo(publicKey));
        Assert.That(meta["keys"]![0]!["data"]!.GetValue<string>(), Is.EqualTo(publicKey));
        Assert.That(meta["meta"]!["role"]!.GetValue<string>(), Is.EqualTo("db"));
        Assert.That(meta["availability_zone"]!.GetValue<string>(), Is.EqualTo("nova"));
        Assert.That((await JsonAsync(id, "/openstack/2012-08-10/meta_data.json"))["uuid"]!.GetValue<string>(), Is.EqualTo(id));

        var network = await JsonAsync(id, "/openstack/latest/network_data.json");
        var portId = port["id"]!.GetValue<string>();
        var link = network["links"]![0]!;
        Assert.That(link["id"]!.GetValue<string>(), Is.EqualTo("tap" + portId[..11]));
        Assert.That(link["vif_id"]!.GetValue<string>(), Is.EqualTo(portId));
        Assert.That(link["ethernet_mac_address"]!.GetValue<string>(), Is.EqualTo(port["mac_address"]!.GetValue<string>()));
        var (_, owner, _) = await Cloud.SendAsync(HttpMethod.Get, $"/network/v2.0/networks/{port["network_id"]}", AdminToken);
        Assert.That(link["mtu"]!.GetValue<int>(), Is.EqualTo(owner!["network"]!["mtu"]!.GetValue<int>()));
        var ipv4 = network["networks"]![0]!;
        Assert.That(ipv4["type"]!.GetValue<string>(), Is.EqualTo("ipv4"));
        Assert.That(ipv4["link"]!.GetValue<string>(), Is.EqualTo(link["id"]!.GetValue<string>()));
        Assert.That(ipv4["ip_address"]!.GetValue<string>(), Is.EqualTo(port["fixed_ips"]![0]!["ip_address"]!.GetValue<string>()));
        Assert.That(ipv4["netmask"]!.GetValue<string>(), Is.EqualTo("255.255.255.0"));
        var routes = ipv4["routes"]!.AsArray().Select(r => $"{r!["network"]}/{r["netmask"]} via {r["gateway"]}").ToList();
        Assert.That(routes, Is.EqualTo(new[] { "0.0.0.0/0.0.0.0 via 10.60.0.1", "192.168.7.0/255.255.255.0 via 10.60.0.254" }));
        Assert.That(network["services"]![0]!["address"]!.GetValue<string>(), Is.EqualTo("10.60.0.53"));
        Assert.That(network["services"]![0]!["type"]!.GetValue<string>(), Is.EqualTo("dns"));

        Assert.That(await TextAsync(id, "/openstack/latest/user_data"), Is.EqualTo(userData));
        Assert.That((await Metadata.GetAsync(id, "/openstack/2012-08-10/network_data.json", CancellationToken.None)).StatusCode, Is.EqualTo(404),
            "network_data.json came with 2015-10-15");
        Assert.That((await Metadata.GetAsync(Guid.NewGuid().ToString(), "/openstack/latest/meta_data.json", CancellationToken.None)).StatusCode, Is.EqualTo(404));
    }

    [Test]
    public async Task The_ec2_tree_lists_directories_with_a_slash_and_answers_addresses_and_keys()
    {
        var (id, port, keyName, publicKey, userData) = await ServerOnStaticNetworkAsync();
        Assert.That((await TextAsync(id, "/")).Split('\n'), Does.Contain("latest").And.Contain("2009-04-04"));
        Assert.That((await TextAsync(id, "/latest")).Split('\n'), Is.EqualTo(new[] { "meta-data/", "user-data" }));
        var listing = (await TextAsync(id, "/latest/meta-data/")).Split('\n');
        Assert.That(listing, Does.Contain("instance-id").And.Contain("local-ipv4").And.Contain("placement/").And.Contain("public-keys/")
            .And.Contain("ami-id").And.Contain("instance-type").And.Contain("hostname").And.Contain("local-hostname").And.Contain("public-ipv4"));
        Assert.That(await TextAsync(id, "/latest/meta-data/instance-id"), Is.EqualTo(id));
        Assert.That(await TextAsync(id, "/latest/meta-data/local-ipv4"), Is.EqualTo(port["fixed_ips"]![0]!["ip_address"]!.GetValue<string>()));
        Assert.That(await TextAsync(id, "/latest/meta-data/public-ipv4"), Is.Empty);
        Assert.That(await TextAsync(id, "/latest/meta-data/placement/"), Is.EqualTo("availability-zone"));
        Assert.That(await TextAsync(id, "/latest/meta-data/placement/availability-zone"), Is.EqualTo("nova"));
        Assert.That(await TextAsync(id, "/latest/meta-data/instance-type"), Is.EqualTo("m1.tiny"));
        Assert.That(await TextAsync(id, "/latest/meta-data/public-keys/"), Is.EqualTo($"0={keyName}"));
        Assert.That(await TextAsync(id, "/latest/meta-data/public-keys/0/"), Is.EqualTo("openssh-key"));
        Assert.That(await TextAsync(id, "/latest/meta-data/public-keys/0/openssh-key"), Is.EqualTo(publicKey));
        Assert.That(await TextAsync(id, "/2009-04-04/meta-data/hostname"), Is.Not.Empty);
        Assert.That(await TextAsync(id, "/latest/user-data"), Is.EqualTo(userData));
        Assert.That((await Metadata.GetAsync(id, "/latest/meta-data/no-such-key", CancellationToken.None)).StatusCode, Is.EqualTo(404));
    }

    [Test]
    public async Task Without_user_data_it_is_404_and_a_dhcp_subnet_is_ipv4_dhcp()
    {
        var (_, network, _) = await Cloud.SendAsync(HttpMethod.Post, "/network/v2.0/networks", AdminToken,
            new JsonObject { ["network"] = new JsonObject { ["name"] = Unique("net") } });
        var networkId = network!["network"]!["id"]!.GetValue<string>();
        await Cloud.SendAsync(HttpMethod.Post, "/network/v2.0/subnets", AdminToken,
            new JsonObject { ["subnet"] = new JsonObject { ["network_id"] = networkId, ["cidr"] = "10.61.0.0/24", ["ip_version"] = 4 } });
        var id = await CreateActiveServerAsync(extra: new JsonObject { ["networks"] = new JsonArray(new JsonObject { ["uuid"] = networkId }) });
        Assert.That((await Metadata.GetAsync(id, "/openstack/latest/user_data", CancellationToken.None)).StatusCode, Is.EqualTo(404));
        Assert.That((await Metadata.GetAsync(id, "/latest/user-data", CancellationToken.None)).StatusCode, Is.EqualTo(404));
        Assert.That((await TextAsync(id, "/openstack/latest")).Split('\n'), Does.Not.Contain("user_data"));
        var networks = (await JsonAsync(id, "/openstack/latest/network_data.json"))["networks"]!;
        Assert.That(networks[0]!["type"]!.GetValue<string>(), Is.EqualTo("ipv4_dhcp"));
        Assert.That(networks[0]!["network_id"]!.GetValue<string>(), Is.EqualTo(networkId));
    }

    /// <summary>A server on a network with a DHCP IPv4 subnet and an IPv6 subnet made from <paramref name="ipv6"/>; its network_data.json and port.</summary>
    private async Task<(JsonNode NetworkData, JsonNode Port, string NetworkId)> ServerOnDualStackNetworkAsync(JsonObject ipv6)
    {
        var (_, network, _) = await Cloud.SendAsync(HttpMethod.Post, "/network/v2.0/networks", AdminToken,
            new JsonObject { ["network"] = new JsonObject { ["name"] = Unique("net") } });
        var networkId = network!["network"]!["id"]!.GetValue<string>();
        await Cloud.SendAsync(HttpMethod.Post, "/network/v2.0/subnets", AdminToken, new JsonObject
        {
            ["subnet"] = new JsonObject
            {
                ["network_id"] = networkId, ["cidr"] = "10.62.0.0/24", ["ip_version"] = 4, ["dns_nameservers"] = new JsonArray("10.62.0.53"),
            },
        });
        ipv6["network_id"] = networkId;
        ipv6["ip_version"] = 6;
        var (status, subnet, _) = await Cloud.SendAsync(HttpMethod.Post, "/network/v2.0/subnets", AdminToken, new JsonObject { ["subnet"] = ipv6 });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), subnet?.ToJsonString());
        var id = await CreateActiveServerAsync(extra: new JsonObject { ["networks"] = new JsonArray(new JsonObject { ["uuid"] = networkId }) });
        var (_, ports, _) = await Cloud.SendAsync(HttpMethod.Get, $"/network/v2.0/ports?device_id={id}", AdminToken);
        return (await JsonAsync(id, "/openstack/latest/network_data.json"), ports!["ports"]![0]!, networkId);
    }

    [TestCase("slaac")]
    [TestCase("dhcpv6-stateless")]
    [TestCase("dhcpv6-stateful")]
    public async Task An_ipv6_subnet_in_an_address_mode_is_listed_after_ipv4_with_its_address_default_route_and_dns(string mode)
    {
        var (data, port, networkId) = await ServerOnDualStackNetworkAsync(new JsonObject
        {
            ["cidr"] = "2001:db8:62::/64", ["ipv6_ra_mode"] = mode, ["ipv6_address_mode"] = mode,
            ["dns_nameservers"] = new JsonArray("2001:db8:62::53"),
        });
        var networks = data["networks"]!.AsArray();
        Assert.That(networks.Select(n => n!["type"]!.GetValue<string>()), Is.EqualTo(new[] { "ipv4_dhcp", "ipv6_" + mode }));
        var ipv6 = networks[1]!;
        var address = port["fixed_ips"]!.AsArray().Single(f => f!["ip_address"]!.GetValue<string>().Contains(':'))!["ip_address"]!.GetValue<string>();
        Assert.That(ipv6["id"]!.GetValue<string>(), Is.EqualTo("network1"));
        Assert.That(ipv6["link"]!.GetValue<string>(), Is.EqualTo(data["links"]![0]!["id"]!.GetValue<string>()));
        Assert.That(ipv6["network_id"]!.GetValue<string>(), Is.EqualTo(networkId));
        Assert.That(ipv6["ip_address"]!.GetValue<string>(), Is.EqualTo(address));
        Assert.That(ipv6["netmask"]!.GetValue<string>(), Is.EqualTo("ffff:ffff:ffff:ffff::"));
        var routes = ipv6["routes"]!.AsArray().Select(r => $"{r!["network"]}/{r["netmask"]} via {r["gateway"]}").ToList();
        Assert.That(routes, Is.EqualTo(new[] { "::/:: via 2001:db8:62::1" }));
        Assert.That(ipv6["services"]!.AsArray().Select(d => $"{d!["type"]} {d["address"]}"), Is.EqualTo(new[] { "dns 2001:db8:62::53" }));
        Assert.That(data["services"]!.AsArray().Select(d => d!["address"]!.GetValue<string>()), Is.EqualTo(new[] { "10.62.0.53", "2001:db8:62::53" }));
    }

    [Test]
    public async Task An_ipv6_subnet_without_a_mode_is_ipv6_dhcp_with_dhcp_and_static_ipv6_without()
    {
        var (dhcp, _, _) = await ServerOnDualStackNetworkAsync(new JsonObject { ["cidr"] = "2001:db8:63::/64" });
        Assert.That(dhcp["networks"]![1]!.ToJsonString(), Does.Contain("\"type\":\"ipv6_dhcp\"").And.Not.Contain("ip_address"));

        var (manual, port, _) = await ServerOnDualStackNetworkAsync(new JsonObject { ["cidr"] = "2001:db8:64::/120", ["enable_dhcp"] = false });
        var ipv6 = manual["networks"]![1]!;
        Assert.That(ipv6["type"]!.GetValue<string>(), Is.EqualTo("ipv6"));
        Assert.That(ipv6["ip_address"]!.GetValue<string>(), Is.EqualTo(port["fixed_ips"]![1]!["ip_address"]!.GetValue<string>()));
        Assert.That(ipv6["netmask"]!.GetValue<string>(), Is.EqualTo("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00"));
        Assert.That(ipv6["routes"]![0]!["gateway"]!.GetValue<string>(), Is.EqualTo("2001:db8:64::1"));
    }

    [Test]
    public async Task The_config_drive_carries_the_same_network_data()
    {
        var (id, port, _, _, _) = await ServerOnStaticNetworkAsync(configDrive: true);
        var iso = Encoding.UTF8.GetString(await File.ReadAllBytesAsync(Driver.Started[id].Disks[1].Path));
        Assert.That(iso, Does.Contain("network_data.json;1"));
        Assert.That(iso, Does.Contain($"\"ethernet_mac_address\":\"{port["mac_address"]!.GetValue<string>()}\""));
        Assert.That(iso, Does.Contain($"\"ip_address\":\"{port["fixed_ips"]![0]!["ip_address"]!.GetValue<string>()}\""));
        Assert.That(iso, Does.Contain($"\"local-ipv4\":\"{port["fixed_ips"]![0]!["ip_address"]!.GetValue<string>()}\""));
    }
}
