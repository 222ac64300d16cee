using System.Text.Json.Nodes;
using CloudBox.Networking.Data;
using CloudBox.Networking.DataPlane;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Networking.Tests.DataPlane;

/// <summary>
/// Ports with the same security groups share one egress and one ingress chain, and anti-spoofing
/// checks every port against shared sets keyed by its tap: each port is still judged by its own
/// addresses, a group's rule change reaches all its ports, a port changing groups moves to the
/// other groups' chains, and a change to one port of many is a few netlink messages.
/// </summary>
public sealed class SharedGroupChainTests : DataPlaneFixture
{
    [Test]
    public async Task AVmCannotSendFromTheAddressOfAPortWithTheSameGroups()
    {
        var network = await Create("/networks", "network", new JsonObject { ["name"] = "share-spoof" });
        await Create("/subnets", "subnet", new JsonObject { ["network_id"] = Id(network), ["cidr"] = "10.81.0.0/24", ["ip_version"] = 4 });
        var a = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) });
        var b = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) });
        var c = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) });
        var vmA = await Vm(a, null);
        await Vm(c, null);
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        Assert.That(Reaches(vmA, Address(c)), Is.True, "from its own address");

        // B has no VM behind it: C's answer to B's address would find its way to A (which answers
        // ARP for it), so only anti-spoofing can stop A, all three being in the default group.
        vmA.Exec("ip", "addr", "flush", "dev", "eth0");
        vmA.Exec("ip", "addr", "add", Address(b) + "/24", "dev", "eth0");
        Assert.That(Pings(vmA, Address(c)), Is.False, "the address of another port in the same groups is not A's");
    }

    [Test]
    public async Task AGroupRuleChangeReachesEveryPortOfTheGroupAndAPortThatLeavesTheGroupGetsItsNewGroupsRules()
    {
        var web = await Create("/security-groups", "security_group", new JsonObject { ["name"] = "share-web" });
        var closed = await Create("/security-groups", "security_group", new JsonObject { ["name"] = "share-closed" });
        var network = await Create("/networks", "network", new JsonObject { ["name"] = "share-groups" });
        await Create("/subnets", "subnet", new JsonObject { ["network_id"] = Id(network), ["cidr"] = "10.82.0.0/24", ["ip_version"] = 4 });
        var client = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) });
        var first = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network), ["security_groups"] = new JsonArray(Id(web)) });
        var second = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network), ["security_groups"] = new JsonArray(Id(web)) });
        var vm = await Vm(client, null);
        await Vm(first, null);
        await Vm(second, null);
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        Assert.That(Pings(vm, Address(first)) || Pings(vm, Address(second)), Is.False, "a group without ingress rules admits nothing");

        await Create("/security-group-rules", "security_group_rule", new JsonObject
        {
            ["security_group_id"] = Id(web), ["direction"] = "ingress", ["protocol"] = "icmp",
        });
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        Assert.That(Reaches(vm, Address(first)) && Reaches(vm, Address(second)), Is.True, "one rule of the group admits both its ports");

        await Send(HttpMethod.Put, "/ports/" + Id(second), new JsonObject { ["port"] = new JsonObject { ["security_groups"] = new JsonArray(Id(closed)) } });
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        Assert.That(Pings(vm, Address(second)), Is.False, "the port that left is judged by its new group");
        Assert.That(Reaches(vm, Address(first)), Is.True, "the port that stayed keeps the group's rules");
    }

    [Test]
    public async Task AllowedAddressPairsLetAPortSendFromTheirAddressAndFromTheirPrefix()
    {
        var open = await Create("/security-groups", "security_group", new JsonObject { ["name"] = "share-open" });
        await Create("/security-group-rules", "security_group_rule", new JsonObject
        {
            ["security_group_id"] = Id(open), ["direction"] = "ingress", ["protocol"] = "icmp",
        });
        var network = await Create("/networks", "network", new JsonObject { ["name"] = "share-pairs" });
        await Create("/subnets", "subnet", new JsonObject { ["network_id"] = Id(network), ["cidr"] = "10.83.0.0/24", ["ip_version"] = 4 });
        var paired = await Create("/ports", "port", new JsonObject
        {
            ["network_id"] = Id(network),
            ["allowed_address_pairs"] = new JsonArray(new JsonObject { ["ip_address"] = "10.83.0.100" }, new JsonObject { ["ip_address"] = "10.83.0.128/28" }),
        });
        var plain = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) });
        var server = await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network), ["security_groups"] = new JsonArray(Id(open)) });
        var vmPaired = await Vm(paired, null);
        var vmPlain = await Vm(plain, null);
        await Vm(server, null);
        await Reconciler.ReconcileNowAsync(CancellationToken.None);
        foreach (var extra in new[] { "10.83.0.100", "10.83.0.130", "10.83.0.160" })
            vmPaired.Exec("ip", "addr", "add", extra + "/24", "dev", "eth0");
        vmPlain.Exec("ip", "addr", "add", "10.83.0.101/24", "dev", "eth0");

        Assert.That(PingsFrom(vmPaired, "10.83.0.100", Address(server)), Is.True, "the pair's address");
        Assert.That(PingsFrom(vmPaired, "10.83.0.130", Address(server)), Is.True, "an address in the pair's prefix");
        Assert.That(PingsFrom(vmPaired, "10.83.0.160", Address(server)), Is.False, "an address outside the pair's prefix");
        Assert.That(PingsFrom(vmPlain, Address(plain), Address(server)), Is.True, "the other port from its own address");
        Assert.That(PingsFrom(vmPlain, "10.83.0.101", Address(server)), Is.False, "the other port has no pairs");
    }

    /// <summary>
    /// The filter written into namespaces of its own (not the fixture's host, which the background
    /// reconciler also writes), from the state the API left in the database for this test's network.
    /// </summary>
    [Test]
    public async Task ManyPortsCostAFewMessagesAndAChangeWrittenAsADifferenceGivesTheSameTablesAsAWholeWrite()
    {
        var network = await Create("/networks", "network", new JsonObject { ["name"] = "share-many" });
        await Create("/subnets", "subnet", new JsonObject { ["network_id"] = Id(network), ["cidr"] = "10.84.0.0/24", ["ip_version"] = 4 });
        var ports = new List<JsonObject>();
        for (var i = 0; i < 120; i++)
            ports.Add(await Create("/ports", "port", new JsonObject { ["network_id"] = Id(network) }));
        var bridges = new Dictionary<string, string> { [Id(network)] = KernelNames.Bridge(Id(network)) };
        using var diffed = ThrowawayNamespace.Create("cbshare");
        using var whole = ThrowawayNamespace.Create("cbshare");
        var filter = new SecurityGroupFilter();
        filter.Apply(await State(Id(network)), bridges, [], diffed.Path);
        Assert.That(filter.LastChange, Does.StartWith("whole"));
        Assert.That(Messages(filter), Is.LessThan(ports.Count), "far fewer messages than ports");
        Assert.That(Listed(diffed, "inet", SecurityGroupFilter.GroupsTable).Split('\n').Count(l => l.TrimStart().StartsWith("chain out-", StringComparison.Ordinal)),
            Is.EqualTo(1), "one egress chain for the ports' one set of groups");

        var web = await Create("/security-groups", "security_group", new JsonObject { ["name"] = "share-many-web" });
        await Create("/security-group-rules", "security_group_rule", new JsonObject
        {
            ["security_group_id"] = Id(web), ["direction"] = "ingress", ["protocol"] = "tcp", ["port_range_min"] = 80, ["port_range_max"] = 80,
        });
        await Send(HttpMethod.Put, "/ports/" + Id(ports[7]), new JsonObject { ["port"] = new JsonObject { ["security_groups"] = new JsonArray(Id(web)) } });
        await Send(HttpMethod.Delete, "/ports/" + Id(ports[8]));
        filter.Apply(await State(Id(network)), bridges, [], diffed.Path);
        Assert.That(filter.LastChange, Does.StartWith("changes"));
        Assert.That(Messages(filter), Is.LessThan(25), "a few messages for two ports out of many");

        // A prefix pair: the port gets anti-spoofing chains of its own and a dispatch rule.
        await Send(HttpMethod.Put, "/ports/" + Id(ports[7]), new JsonObject
        {
            ["port"] = new JsonObject { ["allowed_address_pairs"] = new JsonArray(new JsonObject { ["ip_address"] = "10.84.0.192/28" }) },
        });
        var state = await State(Id(network));
        filter.Apply(state, bridges, [], diffed.Path);
        Assert.That(filter.LastChange, Does.StartWith("changes"));
        var reference = new SecurityGroupFilter();
        reference.Apply(state, bridges, [], whole.Path);
        foreach (var (family, table) in new[] { ("bridge", SecurityGroupFilter.PortsTable), ("inet", SecurityGroupFilter.GroupsTable) })
            Assert.That(Listed(diffed, family, table), Is.EqualTo(Listed(whole, family, table)), $"{family} {table} written as differences");
        Assert.That(Listed(diffed, "inet", SecurityGroupFilter.GroupsTable), Does.Contain("tcp dport 80 accept"));
        Assert.That(Listed(diffed, "bridge", SecurityGroupFilter.PortsTable), Does.Contain("10.84.0.192/28"));

        filter.Apply(state, bridges, [], diffed.Path);
        Assert.That(filter.LastChange, Does.StartWith("changes, 0 messages"));
    }

    private async Task<DesiredState> State(string networkId)
    {
        var all = await DesiredState.LoadAsync(Cloud.Services.GetRequiredService<ResourceStore>(), CancellationToken.None);
        return new DesiredState
        {
            Networks = all.Networks.Where(n => Id(n) == networkId).ToList(), Subnets = all.Subnets, Routers = [], FloatingIps = [],
            Ports = all.Ports.Where(p => p["network_id"]!.GetValue<string>() == networkId).ToList(),
            SecurityGroups = all.SecurityGroups, RulesByGroup = all.RulesByGroup,
        };
    }

    private static int Messages(SecurityGroupFilter filter) => int.Parse(filter.LastChange.Split(", ")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);

    private static string Listed(ThrowawayNamespace ns, string family, string table) => ns.Exec("nft", "list", "table", family, table);

    private static bool PingsFrom(ThrowawayNamespace vm, string source, string address) =>
        ThrowawayNamespace.Try("ip", "netns", "exec", vm.Name, "busybox", "ping", "-c", "3", "-W", "1", "-I", source, address) == 0;
}
