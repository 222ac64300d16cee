using System.Net;
using CloudBox.Linux.Netlink;

namespace CloudBox.Networking.Tests.DataPlane;

/// <summary>The netlink layer against the real kernel, inside a throwaway namespace.</summary>
[NonParallelizable]
public sealed class NetlinkTests
{
    [Test]
    public void CreatesBridgesVethVxlanAndTapsAndEnslavesThem()
    {
        using var ns = ThrowawayNamespace.Create();
        using var rt = RouteNetlink.Open(ns.Path);
        rt.CreateBridge("cbr-test", 1450);
        rt.SetUp("cbr-test");
        rt.CreateVxlan("cbx-test", 4242, 1450);
        rt.SetMasterAndUp("cbx-test", "cbr-test");
        rt.CreateVeth("veth-a", "veth-b", 1450, null);
        rt.SetMasterAndUp("veth-a", "cbr-test");
        PersistentTap.Create("tap-test", ns.Path);
        rt.SetMasterAndUp("tap-test", "cbr-test");
        rt.CreateBridge("cbr-test", 1450); // again: already there is fine

        var links = rt.Links().ToDictionary(l => l.Name);
        var bridge = links["cbr-test"];
        Assert.Multiple(() =>
        {
            Assert.That(bridge.Kind, Is.EqualTo("bridge"));
            Assert.That(bridge.Mtu, Is.EqualTo(1450));
            Assert.That(links["cbx-test"].Kind, Is.EqualTo("vxlan"));
            Assert.That(links["cbx-test"].MasterIndex, Is.EqualTo(bridge.Index));
            Assert.That(links["veth-a"].MasterIndex, Is.EqualTo(bridge.Index));
            Assert.That(links["tap-test"].MasterIndex, Is.EqualTo(bridge.Index));
            Assert.That(links["veth-b"].Kind, Is.EqualTo("veth"));
        });
        Assert.That(ns.Exec("ip", "-d", "link", "show", "cbx-test"), Does.Contain("vxlan id 4242"));

        rt.Delete("tap-test");
        rt.Delete("veth-a");
        Assert.That(rt.Links().Select(l => l.Name), Does.Not.Contain("tap-test").And.Not.Contain("veth-b"));
    }

    [Test]
    public void AddsAddressesAndRoutesAndMovesAVethEndIntoAnotherNamespace()
    {
        using var ns = ThrowawayNamespace.Create();
        using var other = ThrowawayNamespace.Create();
        using var rt = RouteNetlink.Open(ns.Path);
        rt.CreateVeth("left", "right", 1500, other.Path);
        rt.SetUp("left");
        rt.AddAddress("left", IPAddress.Parse("10.9.0.1"), 24);
        rt.AddAddress("left", IPAddress.Parse("10.9.0.1"), 24); // idempotent
        rt.ReplaceRoute(IPAddress.Parse("172.31.0.0"), 16, IPAddress.Parse("10.9.0.2"), null);
        using var otherRt = RouteNetlink.Open(other.Path);
        otherRt.SetUp("right");
        otherRt.AddAddress("right", IPAddress.Parse("10.9.0.2"), 24);

        Assert.That(rt.Addresses(rt.IndexOf("left")), Does.Contain((IPAddress.Parse("10.9.0.1"), 24)));
        Assert.That(ns.Exec("ip", "route"), Does.Contain("172.31.0.0/16 via 10.9.0.2"));
        Assert.That(ThrowawayNamespace.Try("ip", "netns", "exec", ns.Name, "busybox", "ping", "-c", "1", "-W", "2", "10.9.0.2"), Is.EqualTo(0));
    }

    [Test]
    public void NftablesBatchReplacesATableAtomically()
    {
        using var ns = ThrowawayNamespace.Create();
        for (var pass = 0; pass < 2; pass++)
        {
            new NftBatch()
                .ReplaceTable(NftBatch.FamilyIpv4, "cloudbox")
                .AddChain(NftBatch.FamilyIpv4, "cloudbox", "pre", hook: 0, priority: -100, type: "nat")
                .AddChain(NftBatch.FamilyIpv4, "cloudbox", "post", hook: 4, priority: 100, type: "nat")
                .AddRule(NftBatch.FamilyIpv4, "cloudbox", "pre",
                    new NftRule().DestinationAddress(IPAddress.Parse("203.0.113.7")).DestinationNat(IPAddress.Parse("10.0.0.5")))
                .AddRule(NftBatch.FamilyIpv4, "cloudbox", "post",
                    new NftRule().SourceAddress(IPAddress.Parse("10.0.0.0"), 24).OutputInterface("qg-x").SourceNat(IPAddress.Parse("203.0.113.2")))
                .Commit(ns.Path);
        }
        var ruleset = ns.Exec("nft", "list", "table", "ip", "cloudbox");
        Assert.That(ruleset, Does.Contain("ip daddr 203.0.113.7 dnat to 10.0.0.5"));
        Assert.That(ruleset, Does.Contain("ip saddr 10.0.0.0/24 oifname \"qg-x\" snat to 203.0.113.2"));
        Assert.That(ruleset.Split("dnat to").Length - 1, Is.EqualTo(1), "the second pass replaced the first");
    }

    [Test]
    public void AFailingBatchIsReportedAndAppliesNothing()
    {
        using var ns = ThrowawayNamespace.Create();
        var batch = new NftBatch()
            .AddTable(NftBatch.FamilyIpv4, "half")
            .AddRule(NftBatch.FamilyIpv4, "half", "no-such-chain", new NftRule().Accept());
        Assert.Throws<CloudBox.Linux.LinuxException>(() => batch.Commit(ns.Path));
        Assert.That(ns.Exec("nft", "list", "tables"), Does.Not.Contain("half"), "the table of the failed batch was not created");
    }

    [Test]
    public void AddressSetsHoldManyAddressesBehindOneRule()
    {
        using var ns = ThrowawayNamespace.Create();
        var members = Enumerable.Range(1, 2000).Select(i => new IPAddress(new byte[] { 10, 1, (byte)(i >> 8), (byte)i })).ToList();
        new NftBatch()
            .ReplaceTable(NftBatch.FamilyInet, "grouping")
            .AddChain(NftBatch.FamilyInet, "grouping", "forward", hook: 2)
            .AddAddressSet(NftBatch.FamilyInet, "grouping", "group-a", 1, members)
            .AddRule(NftBatch.FamilyInet, "grouping", "forward", new NftRule().IsIpv4().SourceInSet("group-a", 1).Accept())
            .Commit(ns.Path);
        var listed = ns.Exec("nft", "list", "set", "inet", "grouping", "group-a");
        Assert.That(listed, Does.Contain("10.1.7.208"));
        Assert.That(ns.Exec("nft", "list", "chain", "inet", "grouping", "forward"), Does.Contain("ip saddr @group-a accept"));
    }

    [Test]
    public void ThousandsOfInterfaceAndAddressKeysRideInAFewMessagesAndAreLookedUpTogether()
    {
        using var ns = ThrowawayNamespace.Create();
        var keys = Enumerable.Range(0, 5000)
            .Select(i => NftRule.InterfaceAndAddressKey($"tap{i:x8}", new IPAddress(new byte[] { 10, 2, (byte)(i >> 8), (byte)i }))).ToList();
        var batch = new NftBatch()
            .ReplaceTable(NftBatch.FamilyBridge, "keyed")
            .AddChain(NftBatch.FamilyBridge, "keyed", "prerouting", hook: 0)
            .AddSet(NftBatch.FamilyBridge, "keyed", "sources", 1, NftKeyType.Concatenation(NftKeyType.InterfaceName, NftKeyType.Ipv4Address), 20, keys)
            .AddRule(NftBatch.FamilyBridge, "keyed", "prerouting", new NftRule().IsIpv4Ethernet().InputInterfaceAndSourceInSet("sources", 1).Accept());
        Assert.That(batch.Count, Is.LessThan(12), "5,000 elements of 20 bytes in a few messages, not one each");
        batch.Commit(ns.Path);
        var listed = ns.Exec("nft", "list", "set", "bridge", "keyed", "sources");
        Assert.That(listed, Does.Contain("\"tap00001387\" . 10.2.19.135"), "the last element, as nft prints it");
        Assert.That(listed.Split("\"tap").Length - 1, Is.EqualTo(5000));
        Assert.That(ns.Exec("nft", "list", "chain", "bridge", "keyed", "prerouting"), Does.Contain("iifname . ip saddr @sources accept"));
    }
}
