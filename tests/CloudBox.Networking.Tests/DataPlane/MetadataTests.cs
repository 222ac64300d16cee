using System.Text;
using System.Text.Json.Nodes;
using CloudBox.Core.Compute;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Networking.Tests.DataPlane;

/// <summary>
/// 169.254.169.254 from "VMs" that took their address by DHCP (busybox udhcpc, applying the
/// classless static routes as a guest's client does), answered by a stand-in for Compute's metadata.
/// </summary>
public sealed class MetadataTests : DataPlaneFixture
{
    private string _leases = "";

    /// <summary>Compute's side as the test sees it: a document naming the instance and the path it was asked for.</summary>
    private sealed class EchoMetadata : IInstanceMetadata
    {
        public Task<MetadataAnswer> GetAsync(string instanceId, string path, CancellationToken cancellationToken) =>
            Task.FromResult(instanceId.StartsWith("instance-", StringComparison.Ordinal)
                ? new MetadataAnswer(200, "application/json", Encoding.UTF8.GetBytes(new JsonObject { ["uuid"] = instanceId, ["path"] = path }.ToJsonString()))
                : new MetadataAnswer(404, "text/plain", "no such instance"u8.ToArray()));
    }

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<IInstanceMetadata, EchoMetadata>();

    [SetUp]
    public void FindClients()
    {
        if (ThrowawayNamespace.Try("busybox", "udhcpc", "--help") == 127)
            Assert.Ignore("busybox (package busybox-static) is needed for the DHCP client");
        if (ThrowawayNamespace.Try("curl", "--version") == 127)
            Assert.Ignore("curl is needed for the metadata requests");
        _leases = Directory.CreateTempSubdirectory("cloudbox-metadata-").FullName;
    }

    [TearDown]
    public void RemoveLeases() => Directory.Delete(_leases, recursive: true);

    /// <summary>udhcpc once; the script sets the address and installs the option-121 routes (0.0.0.0: on-link), as guests' clients do.</summary>
    private void TakeLease(ThrowawayNamespace vm)
    {
        var script = Path.Combine(_leases, "script.sh");
        File.WriteAllText(script, """
            #!/bin/sh
            case "$1" in
              bound|renew)
                busybox ifconfig "$interface" "$ip" netmask "$subnet" up
                set -- $staticroutes
                while [ $# -ge 2 ]; do
                  if [ "$2" = 0.0.0.0 ]; then ip route replace "$1" dev "$interface"; else ip route replace "$1" via "$2" dev "$interface"; fi
                  shift 2
                done
                ;;
            esac
            exit 0
            """);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        vm.Exec("busybox", "udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "5", "-T", "1", "-s", script);
    }

    /// <summary>Status line code and body of a request from inside <paramref name="vm"/>.</summary>
    private static (int Status, string Body) Fetch(ThrowawayNamespace vm, string path, string method = "GET")
    {
        var output = vm.Exec("curl", "-sS", "-m", "5", method == "HEAD" ? "-I" : "-X" + method, "-w", "\n%{http_code}", "http://169.254.169.254" + path);
        var cut = output.LastIndexOf('\n');
        return (int.Parse(output[(cut + 1)..], System.Globalization.CultureInfo.InvariantCulture), output[..cut]);
    }

    [Test]
    public async Task EachVmReadsItsOwnInstancesMetadataAndOtherAddressesGet404()
    {
        var network = await Create("/networks", "network", new JsonObject { ["name"] = "metadata-net" });
        await Create("/subnets", "subnet", new JsonObject { ["network_id"] = Id(network), ["cidr"] = "10.91.0.0/24", ["ip_version"] = 4 });
        var portA = await Create("/ports", "port", new JsonObject
        {
            ["network_id"] = Id(network), ["device_owner"] = "compute:nova", ["device_id"] = "instance-a",
        });
        var portB = await Create("/ports", "port", new JsonObject
        {
            ["network_id"] = Id(network), ["device_owner"] = "compute:nova", ["device_id"] = "instance-b",
        });
        // A port of no instance, without anti-spoofing, so its "VM" can speak from an address no port holds.
        var stranger = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network), ["port_security_enabled"] = false });
        var vmA = await Vm(portA, null, configureAddress: false);
        var vmB = await Vm(portB, null, configureAddress: false);
        var vmC = await Vm(stranger, null, configureAddress: false);
        await Reconciler.ReconcileNowAsync(CancellationToken.None);

        TakeLease(vmA);
        TakeLease(vmB);
        var (statusA, bodyA) = Fetch(vmA, "/openstack/latest/meta_data.json");
        var (statusB, bodyB) = Fetch(vmB, "/openstack/latest/meta_data.json?x=1");
        Assert.Multiple(() =>
        {
            Assert.That(statusA, Is.EqualTo(200), bodyA);
            Assert.That(JsonNode.Parse(bodyA)!["uuid"]!.GetValue<string>(), Is.EqualTo("instance-a"));
            Assert.That(JsonNode.Parse(bodyA)!["path"]!.GetValue<string>(), Is.EqualTo("/openstack/latest/meta_data.json"));
            Assert.That(statusB, Is.EqualTo(200), bodyB);
            Assert.That(JsonNode.Parse(bodyB)!["uuid"]!.GetValue<string>(), Is.EqualTo("instance-b"), "the second VM gets its own");
        });
        Assert.Multiple(() =>
        {
            Assert.That(Fetch(vmA, "/latest/meta-data/", "HEAD").Status, Is.EqualTo(200));
            Assert.That(Fetch(vmA, "/latest/meta-data/", "POST").Status, Is.EqualTo(405), "only GET and HEAD");
        });

        vmC.Exec("ip", "addr", "add", "10.91.0.250/24", "dev", "eth0");
        vmC.Exec("ip", "route", "add", "169.254.169.254/32", "dev", "eth0");
        Assert.That(Fetch(vmC, "/openstack/latest/meta_data.json").Status, Is.EqualTo(404), "an address no port holds");
        vmC.Exec("ip", "addr", "flush", "dev", "eth0");
        TakeLease(vmC);
        Assert.That(Fetch(vmC, "/openstack/latest/meta_data.json").Status, Is.EqualTo(404), "a port that is no instance's");

        // Another network's VM with the same address behind its own bridge is told about its own instance.
        var other = await Create("/networks", "network", new JsonObject { ["name"] = "metadata-other" });
        var otherSubnet = await Create("/subnets", "subnet", new JsonObject { ["network_id"] = Id(other), ["cidr"] = "10.91.0.0/24", ["ip_version"] = 4 });
        var portD = await Create("/ports", "port", new JsonObject
        {
            ["network_id"] = Id(other), ["device_owner"] = "compute:nova", ["device_id"] = "instance-d",
            ["fixed_ips"] = new JsonArray(new JsonObject { ["subnet_id"] = Id(otherSubnet), ["ip_address"] = Address(portA) }),
        });
        var vmD = await Vm(portD, null, configureAddress: false);
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        TakeLease(vmD);
        var (statusD, bodyD) = Fetch(vmD, "/openstack/latest/meta_data.json");
        Assert.That(statusD, Is.EqualTo(200), bodyD);
        Assert.That(JsonNode.Parse(bodyD)!["uuid"]!.GetValue<string>(), Is.EqualTo("instance-d"), "overlapping addresses stay apart");

        // Other services of the host are not reachable through the metadata address, even on a host that
        // happens to route the tenant's subnet onto the bridge (without such a route they could not answer anyway).
        Host.Exec("ip", "route", "add", "10.91.0.0/24", "dev", "cbr-" + Id(network)[..8]);
        using (var hostService = CloudBox.Linux.Netlink.NetworkNamespace.Run(Host.Path, () =>
        {
            var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Any, 8081));
            socket.Listen();
            return socket;
        }))
        {
            // A connect is all it takes to show the service is reachable.
            Assert.That(ThrowawayNamespace.Try("ip", "netns", "exec", vmA.Name, "timeout", "2", "bash", "-c", "exec 3<>/dev/tcp/169.254.169.254/8081"),
                Is.Not.EqualTo(0), "a host service listening on all addresses");
        }
        Host.Exec("ip", "route", "del", "10.91.0.0/24");

        await Send(HttpMethod.Delete, $"/ports/{Id(portD)}");
        await Send(HttpMethod.Delete, $"/networks/{Id(other)}");
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        Assert.That(Host.Exec("ip", "-o", "addr", "show", "to", "169.254.169.254/32"), Does.Not.Contain("cbr-" + Id(other)[..8]));
    }

    [Test]
    public async Task AGuestWithoutTheDhcpRouteReachesMetadataThroughItsRouter()
    {
        var network = await Create("/networks", "network", new JsonObject { ["name"] = "metadata-routed" });
        var subnet = await Create("/subnets", "subnet", new JsonObject { ["network_id"] = Id(network), ["cidr"] = "10.92.0.0/24", ["ip_version"] = 4 });
        var router = await Create("/routers", "router", new JsonObject { ["name"] = "metadata-router" });
        await Send(HttpMethod.Put, $"/routers/{Id(router)}/add_router_interface", new JsonObject { ["subnet_id"] = Id(subnet) });
        var port = await Create("/ports", "port", new JsonObject
        {
            ["network_id"] = Id(network), ["device_owner"] = "compute:nova", ["device_id"] = "instance-routed",
        });
        // A statically configured guest: its only route off the subnet is the default one, via the router.
        var vm = await Vm(port, "10.92.0.1");
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        Assert.That(vm.Exec("ip", "route", "get", "169.254.169.254"), Does.Contain("via 10.92.0.1"));

        var (status, body) = Fetch(vm, "/openstack/latest/meta_data.json");
        Assert.That(status, Is.EqualTo(200), body);
        Assert.That(JsonNode.Parse(body)!["uuid"]!.GetValue<string>(), Is.EqualTo("instance-routed"));
    }
}
