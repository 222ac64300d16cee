using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Networking.DataPlane;
using CloudBox.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Networking.Tests.DataPlane;

/// <summary>
/// A cloud whose data plane is real but confined: its "host" is a throwaway namespace, its router
/// namespaces carry a prefix of this run, and "VMs" are namespaces joined by veth pairs whose host
/// ends take the names of the ports' taps. The kernel side does not depend on the database engine,
/// so these run on SQLite only.
/// </summary>
[NonParallelizable]
public abstract class DataPlaneFixture
{
    protected ThrowawayNamespace Host { get; private set; } = null!;
    protected TestCloud Cloud { get; private set; } = null!;
    protected string Token { get; private set; } = "";
    protected DataPlaneReconciler Reconciler => Cloud.Services.GetRequiredService<DataPlaneReconciler>();
    private readonly List<ThrowawayNamespace> _vms = [];
    private string _routerPrefix = "";

    [OneTimeSetUp]
    public async Task StartCloud()
    {
        Host = ThrowawayNamespace.Create("cbhost");
        _routerPrefix = "cbtr" + Guid.NewGuid().ToString("N")[..4] + "-";
        Cloud = await TestCloud.StartAsync(DatabaseEngine.Sqlite, new ModuleWithServices(new NetworkingModule(new NetworkSettings
        {
            DataPlane = true,
            NetworkNamespace = Host.Path,
            RouterNamespacePrefix = _routerPrefix,
        }), ConfigureServices));
        Token = await Cloud.AdminTokenAsync();
    }

    /// <summary>Services another module would provide in the real binary (e.g. Compute's metadata), registered by a test class.</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    [OneTimeTearDown]
    public async Task StopCloud()
    {
        await Cloud.DisposeAsync();
        foreach (var vm in _vms)
            vm.Dispose();
        foreach (var name in CloudBox.Linux.Netlink.NetworkNamespace.List().Where(n => n.StartsWith(_routerPrefix, StringComparison.Ordinal)))
            CloudBox.Linux.Netlink.NetworkNamespace.Delete(name);
        Host.Dispose();
    }

    protected async Task<JsonObject> Create(string path, string member, JsonObject attributes)
    {
        var (status, body, _) = await Cloud.SendAsync(HttpMethod.Post, "/network/v2.0" + path, Token, new JsonObject { [member] = attributes });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), body?.ToJsonString());
        return (JsonObject)body![member]!;
    }

    protected async Task<JsonNode?> Send(HttpMethod method, string path, JsonNode? body = null)
    {
        var (status, answer, _) = await Cloud.SendAsync(method, "/network/v2.0" + path, Token, body);
        Assert.That((int)status, Is.LessThan(300), answer?.ToJsonString());
        return answer;
    }

    protected static string Id(JsonNode resource) => resource["id"]!.GetValue<string>();

    protected static string Address(JsonNode port) => port["fixed_ips"]![0]!["ip_address"]!.GetValue<string>();

    /// <summary>
    /// A namespace standing in for a VM on <paramref name="port"/>: a veth whose host end is the
    /// port's tap name, its own end <c>eth0</c> with the port's MAC, and either a static address or
    /// none (for DHCP).
    /// </summary>
    protected async Task<ThrowawayNamespace> Vm(JsonNode port, string? gateway, bool configureAddress = true, int prefix = 24)
    {
        // A pass that started before the port existed would take the stand-in for a leftover: let it finish first.
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        var vm = ThrowawayNamespace.Create("cbvm");
        _vms.Add(vm);
        var tap = KernelNames.Tap(Id(port));
        // The background reconciler may already have made the port's persistent tap: the stand-in takes its place.
        for (var attempt = 0; ; attempt++)
        {
            ThrowawayNamespace.Try("ip", "-n", Host.Name, "link", "del", tap);
            if (ThrowawayNamespace.Try("ip", "link", "add", tap, "netns", Host.Name, "type", "veth", "peer", "name", "eth0", "netns", vm.Name) == 0)
                break;
            if (attempt == 10)
                Assert.Fail($"could not plug a stand-in VM into {tap}");
            Thread.Sleep(50);
        }
        vm.Exec("ip", "link", "set", "eth0", "address", port["mac_address"]!.GetValue<string>());
        vm.Exec("ip", "link", "set", "eth0", "up");
        vm.Exec("ip", "link", "set", "lo", "up");
        if (configureAddress)
        {
            vm.Exec("ip", "addr", "add", $"{Address(port)}/{prefix}", "dev", "eth0");
            if (gateway is not null)
                vm.Exec("ip", "route", "add", "default", "via", gateway);
        }
        return vm;
    }

    protected static bool Pings(ThrowawayNamespace from, string address) =>
        ThrowawayNamespace.Try("ip", "netns", "exec", from.Name, "busybox", "ping", "-c", "1", "-W", "1", address) == 0;

    /// <summary>Pings a few times (the first packet may wait for ARP), true when any answer came back.</summary>
    protected static bool Reaches(ThrowawayNamespace from, string address) =>
        ThrowawayNamespace.Try("ip", "netns", "exec", from.Name, "busybox", "ping", "-c", "3", "-W", "1", address) == 0;
}
