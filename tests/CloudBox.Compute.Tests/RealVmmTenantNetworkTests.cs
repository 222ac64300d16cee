using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Images;
using CloudBox.Linux.Netlink;
using CloudBox.Networking;
using CloudBox.Testing;

namespace CloudBox.Compute.Tests;

/// <summary>
/// A tenant network end to end: two real `cloudbox vmm` guests (the net_probe C guest, booted as a PVH kernel image)
/// on a network whose data plane runs in a throwaway namespace standing in for the host. Each guest takes its
/// address from CloudBox's DHCP server and says so on its console; the first reads its uuid from the metadata service;
/// the second pings the first, which its security groups allow, forbid and allow again. Ignored, saying why, without root, KVM, a tap device, gcc or the published
/// binary (see <see cref="RealVmmBootTests"/>).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class RealVmmTenantNetworkTests
{
    private readonly string _host = "cbnet-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _routerPrefix = "cbnr" + Guid.NewGuid().ToString("N")[..4] + "-";

    [TearDown]
    public void RemoveNamespaces()
    {
        foreach (var name in NetworkNamespace.List().Where(n => n == _host || n.StartsWith(_routerPrefix, StringComparison.Ordinal)))
            NetworkNamespace.Delete(name);
    }

    [Test]
    public async Task Servers_get_their_fixed_IPs_by_DHCP_and_their_metadata_and_reach_each_other_as_far_as_their_security_groups_allow()
    {
        if (Environment.UserName != "root")
            Assert.Ignore("the tenant network test needs root (network namespaces, taps, bridges)");
        var binary = RealVmmBootTests.FindVmmBinary(out var why);
        if (binary is null)
            Assert.Ignore(why);
        if (!File.Exists("/dev/kvm") || !File.Exists("/dev/net/tun"))
            Assert.Ignore("/dev/kvm or /dev/net/tun is missing");
        var kernel = PvhGuest.Build("net_probe", out why);
        if (kernel is null)
            Assert.Ignore(why);

        var watch = Stopwatch.StartNew();
        NetworkNamespace.Create(_host);
        await using var cloud = await TestCloud.StartAsync(DatabaseEngine.Sqlite, new ImagesModule(),
            new NetworkingModule(new NetworkSettings { DataPlane = true, NetworkNamespace = NetworkNamespace.PathOf(_host), RouterNamespacePrefix = _routerPrefix }),
            new ComputeModule(new ComputeSettings { VmmBinary = binary!, HostName = "e2e-net", BuildPollInterval = TimeSpan.FromMilliseconds(100), ShutdownTimeout = TimeSpan.FromSeconds(5) }));
        var token = await cloud.AdminTokenAsync();

        var (_, network, _) = await cloud.SendAsync(HttpMethod.Post, "/network/v2.0/networks", token, new JsonObject { ["network"] = new JsonObject { ["name"] = "probe" } });
        var networkId = network!["network"]!["id"]!.GetValue<string>();
        var (subnetCreated, _, _) = await cloud.SendAsync(HttpMethod.Post, "/network/v2.0/subnets", token,
            new JsonObject { ["subnet"] = new JsonObject { ["network_id"] = networkId, ["cidr"] = "10.83.0.0/24", ["ip_version"] = 4 } });
        Assert.That(subnetCreated, Is.EqualTo(HttpStatusCode.Created));

        // The probe's command line comes from its image: the second server pings the first at the address it is given.
        const string target = "10.83.0.10";
        var kernelId = await cloud.UploadImageAsync(token, new JsonObject { ["name"] = "net-probe", ["disk_format"] = "aki", ["container_format"] = "aki" },
            await File.ReadAllBytesAsync(kernel!));
        var answering = await ProbeImageAsync(cloud, token, kernelId, "probe metadata");
        var pinging = await ProbeImageAsync(cloud, token, kernelId, "probe ping=" + target);

        var ids = new List<string>();
        try
        {
            var first = await CreateServerAsync(cloud, token, "answering", answering, new JsonObject { ["uuid"] = networkId, ["fixed_ip"] = target });
            ids.Add(first);
            var second = await CreateServerAsync(cloud, token, "pinging", pinging, new JsonObject { ["uuid"] = networkId });
            ids.Add(second);
            var firstPort = await PortOfAsync(cloud, token, first);
            var secondPort = await PortOfAsync(cloud, token, second);
            Assert.That(FixedIp(firstPort), Is.EqualTo(target));
            await WaitForActiveAsync(cloud, token, first);
            await WaitForActiveAsync(cloud, token, second);
            TestContext.Out.WriteLine($"both ACTIVE after {watch.Elapsed.TotalSeconds:F1} s");

            // DHCP gives each guest exactly its port's address, on the subnet's prefix.
            await ConsoleLineAsync(cloud, token, first, $"dhcp {target}/24 router 10.83.0.1 mtu ");
            await ConsoleLineAsync(cloud, token, second, $"dhcp {FixedIp(secondPort)}/24 router 10.83.0.1 mtu ");
            TestContext.Out.WriteLine($"both configured by DHCP after {watch.Elapsed.TotalSeconds:F1} s");

            // 169.254.169.254, on-link on every network with DHCP, tells the first which server it is.
            await ConsoleLineAsync(cloud, token, first, $"metadata uuid {first}\n");
            TestContext.Out.WriteLine($"metadata fetched after {watch.Elapsed.TotalSeconds:F1} s");

            // The default group lets members of the group in: the second reaches the first.
            await PingStateAsync(cloud, token, second, target, "ok", after: 0);
            TestContext.Out.WriteLine($"ping answered after {watch.Elapsed.TotalSeconds:F1} s");

            // The first's port only in a group of its own with no ingress rule: the echoes no longer get in.
            var (_, group, _) = await cloud.SendAsync(HttpMethod.Post, "/network/v2.0/security-groups", token,
                new JsonObject { ["security_group"] = new JsonObject { ["name"] = "closed" } });
            var groupId = group!["security_group"]!["id"]!.GetValue<string>();
            var mark = (await ConsoleAsync(cloud, token, second)).Length;
            var (updated, port, _) = await cloud.SendAsync(HttpMethod.Put, $"/network/v2.0/ports/{firstPort["id"]!.GetValue<string>()}", token,
                new JsonObject { ["port"] = new JsonObject { ["security_groups"] = new JsonArray(groupId) } });
            Assert.That(updated, Is.EqualTo(HttpStatusCode.OK), port?.ToJsonString());
            await PingStateAsync(cloud, token, second, target, "timeout", after: mark);
            TestContext.Out.WriteLine($"ping blocked after {watch.Elapsed.TotalSeconds:F1} s");

            // An ICMP ingress rule in that group lets them in again.
            mark = (await ConsoleAsync(cloud, token, second)).Length;
            var (ruleCreated, rule, _) = await cloud.SendAsync(HttpMethod.Post, "/network/v2.0/security-group-rules", token, new JsonObject
            {
                ["security_group_rule"] = new JsonObject { ["security_group_id"] = groupId, ["direction"] = "ingress", ["ethertype"] = "IPv4", ["protocol"] = "icmp" },
            });
            Assert.That(ruleCreated, Is.EqualTo(HttpStatusCode.Created), rule?.ToJsonString());
            await PingStateAsync(cloud, token, second, target, "ok", after: mark);
            TestContext.Out.WriteLine($"ping answered again after {watch.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            foreach (var id in ids)
                await cloud.SendAsync(HttpMethod.Delete, $"/compute/v2.1/servers/{id}", token);
            foreach (var id in ids)
            {
                for (var i = 0; i < 100 && (await cloud.SendAsync(HttpMethod.Get, $"/compute/v2.1/servers/{id}", token)).Status != HttpStatusCode.NotFound; i++)
                    await Task.Delay(100);
            }
            EndVmmsOf(cloud.DataDirectory);
        }
    }

    private static Task<string> ProbeImageAsync(TestCloud cloud, string token, string kernelId, string commandLine) =>
        cloud.UploadImageAsync(token, new JsonObject
        {
            ["name"] = "net-probe " + commandLine, ["disk_format"] = "raw", ["container_format"] = "bare", ["kernel_id"] = kernelId,
            ["os_command_line"] = commandLine,
        }, new byte[1 << 20]);

    private static async Task<string> CreateServerAsync(TestCloud cloud, string token, string name, string imageId, JsonObject network)
    {
        var (created, body, _) = await cloud.SendAsync(HttpMethod.Post, "/compute/v2.1/servers", token, new JsonObject
        {
            ["server"] = new JsonObject { ["name"] = name, ["imageRef"] = imageId, ["flavorRef"] = "1", ["networks"] = new JsonArray(network) },
        });
        Assert.That(created, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        return body!["server"]!["id"]!.GetValue<string>();
    }

    private static async Task<JsonNode> PortOfAsync(TestCloud cloud, string token, string serverId)
    {
        var (_, ports, _) = await cloud.SendAsync(HttpMethod.Get, $"/network/v2.0/ports?device_id={serverId}", token);
        return ports!["ports"]!.AsArray().Single()!;
    }

    private static string FixedIp(JsonNode port) => port["fixed_ips"]!.AsArray().Single()!["ip_address"]!.GetValue<string>();

    private static async Task WaitForActiveAsync(TestCloud cloud, string token, string id)
    {
        var server = (JsonNode?)null;
        for (var i = 0; i < 300; i++)
        {
            server = (await cloud.SendAsync(HttpMethod.Get, $"/compute/v2.1/servers/{id}", token)).Body!["server"];
            if (server!["status"]!.GetValue<string>() is "ACTIVE" or "ERROR")
                break;
            await Task.Delay(100);
        }
        Assert.That(server!["status"]!.GetValue<string>(), Is.EqualTo("ACTIVE"), server.ToJsonString());
    }

    private static async Task<string> ConsoleAsync(TestCloud cloud, string token, string id)
    {
        var (_, output, _) = await cloud.SendAsync(HttpMethod.Post, $"/compute/v2.1/servers/{id}/action", token,
            new JsonObject { ["os-getConsoleOutput"] = new JsonObject() });
        return output?["output"]?.GetValue<string>() ?? "";
    }

    private static async Task ConsoleLineAsync(TestCloud cloud, string token, string id, string line)
    {
        var console = await ConsoleAsync(cloud, token, id);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !console.Contains(line, StringComparison.Ordinal))
        {
            await Task.Delay(250);
            console = await ConsoleAsync(cloud, token, id);
        }
        Assert.That(console, Does.Contain(line));
    }

    /// <summary>
    /// Waits until the pinger's reports written after console offset <paramref name="after"/> settle on
    /// <paramref name="state"/>: "ok" as soon as it is reported; "timeout" only when reported twice in a row
    /// (six seconds without an answer), so one echo lost to a loaded host is not taken for a closed group.
    /// </summary>
    private static async Task PingStateAsync(TestCloud cloud, string token, string id, string target, string state, int after)
    {
        var reports = new List<string>();
        bool Settled() => state == "ok" ? reports.Contains("ok") : reports.Count >= 2 && reports[^1] == "timeout" && reports[^2] == "timeout";
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !Settled())
        {
            await Task.Delay(250);
            var console = await ConsoleAsync(cloud, token, id);
            reports = console[Math.Min(after, console.Length)..].Split('\n')
                .Where(l => l.StartsWith($"ping {target} ", StringComparison.Ordinal))
                .Select(l => l[$"ping {target} ".Length..].Trim()).ToList();
        }
        Assert.That(Settled(), Is.True, $"ping {target} should be {state}; reported since: {string.Join(", ", reports)}");
    }

    /// <summary>A VMM still running a guest of this cloud's data directory after its servers were deleted (a failed run) is ended.</summary>
    private static void EndVmmsOf(string dataDirectory)
    {
        foreach (var directory in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
                continue;
            try
            {
                if (File.ReadAllText(Path.Combine(directory, "cmdline")).Contains(dataDirectory, StringComparison.Ordinal))
                    Process.GetProcessById(pid).Kill();
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
                // gone meanwhile
            }
        }
    }
}
