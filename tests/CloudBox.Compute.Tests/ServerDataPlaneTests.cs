using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Core.Modules;
using CloudBox.Linux.Netlink;
using CloudBox.Networking;
using CloudBox.Networking.DataPlane;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Compute.Tests;

/// <summary>
/// A server's port with the real data plane, confined to a throwaway network namespace standing
/// in for the host: the tap its VM opens (in that namespace) exists on the network's bridge while
/// the server lives, and goes with it.
/// </summary>
[NonParallelizable]
public sealed class ServerDataPlaneTests(DatabaseEngine engine) : ComputeFixture(engine)
{
    private readonly string _host = "cbcomp-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _routerPrefix = "cbcr" + Guid.NewGuid().ToString("N")[..4] + "-";

    protected override ICloudModule[] OtherModules
    {
        get
        {
            if (Environment.UserName != "root")
                Assert.Ignore("the data-plane test needs root (network namespaces, taps, bridges)");
            NetworkNamespace.Create(_host);
            return [new NetworkingModule(new NetworkSettings { DataPlane = true, NetworkNamespace = NetworkNamespace.PathOf(_host), RouterNamespacePrefix = _routerPrefix })];
        }
    }

    [OneTimeTearDown]
    public void RemoveNamespaces()
    {
        foreach (var name in NetworkNamespace.List().Where(n => n == _host || n.StartsWith(_routerPrefix, StringComparison.Ordinal)))
            NetworkNamespace.Delete(name);
    }

    private string Link(string name)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-n", _host, "-o", "link", "show", "dev", name })
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? output : "";
    }

    [Test]
    public async Task The_servers_tap_is_on_its_networks_bridge_until_the_server_is_deleted()
    {
        var (_, network, _) = await Cloud.SendAsync(HttpMethod.Post, "/network/v2.0/networks", AdminToken,
            new JsonObject { ["network"] = new JsonObject { ["name"] = Unique("net") } });
        var networkId = network!["network"]!["id"]!.GetValue<string>();
        var (created, _, _) = await Cloud.SendAsync(HttpMethod.Post, "/network/v2.0/subnets", AdminToken,
            new JsonObject { ["subnet"] = new JsonObject { ["network_id"] = networkId, ["cidr"] = "10.80.0.0/24", ["ip_version"] = 4 } });
        Assert.That(created, Is.EqualTo(HttpStatusCode.Created));

        var id = await CreateActiveServerAsync(extra: new JsonObject { ["networks"] = new JsonArray(new JsonObject { ["uuid"] = networkId }) });
        var reconciler = Cloud.Services.GetRequiredService<DataPlaneReconciler>();
        await reconciler.ReconcileNowAsync(CancellationToken.None);
        var nic = Driver.Started[id].Nics.Single();
        Assert.That(Driver.Started[id].TapNamespace, Is.EqualTo(NetworkNamespace.PathOf(_host)), "the VMM opens its taps where the data plane keeps them");
        var link = Link(nic.Tap);
        Assert.That(link, Does.Contain($"master {KernelNames.Bridge(networkId)}"), $"the tap {nic.Tap} should be on the network's bridge");

        Assert.That((await Nova(HttpMethod.Delete, $"/servers/{id}", AdminToken)).Status, Is.EqualTo(HttpStatusCode.NoContent));
        await reconciler.ReconcileNowAsync(CancellationToken.None);
        Assert.That(Link(nic.Tap), Is.Empty, "the deleted server's tap is removed");
    }
}
