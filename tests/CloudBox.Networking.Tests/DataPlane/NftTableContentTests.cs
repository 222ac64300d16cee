using System.Net;
using CloudBox.Linux.Netlink;

namespace CloudBox.Networking.Tests.DataPlane;

/// <summary>
/// Diff-based nftables writes against the real kernel: a table changed by writing only the
/// differences ends up exactly as the same content written whole, and an unchanged content sends nothing.
/// </summary>
[NonParallelizable]
public sealed class NftTableContentTests
{
    private static NftTableContent Content(int ports, int firstPort = 0, string ruleMark = "")
    {
        var content = new NftTableContent(NftBatch.FamilyInet, "cbdiff").AddChain("forward", hook: 2, priority: 0);
        var map = new List<(byte[], string)>();
        var addresses = new List<IPAddress>();
        for (var i = firstPort; i < firstPort + ports; i++)
        {
            var chain = $"in-{i:x8}";
            var address = IPAddress.Parse($"10.9.{i / 250}.{i % 250 + 1}");
            content.AddChain(chain);
            content.AddRule(chain, new NftRule().IsIpv4().L4Protocol(6).DestinationPorts(22, 22).Accept());
            if (ruleMark.Length > 0 && i == firstPort)
                content.AddRule(chain, new NftRule().IsIpv4().L4Protocol(17).DestinationPorts(53, 53).Accept());
            content.AddRule(chain, new NftRule().Counter().Drop());
            map.Add((NftRule.InterfaceAndAddressKey("cbr-test", address), chain));
            addresses.Add(address);
        }
        content.AddAddressSet("members", 7, addresses);
        content.AddVerdictMap("by-destination", 8, NftKeyType.Concatenation(NftKeyType.InterfaceName, NftKeyType.Ipv4Address), 20, map);
        content.AddRule("forward", new NftRule().CtStateIn(2 | 4).Accept());
        content.AddRule("forward", new NftRule().IsIpv4().SourceInSet("members", 7).Accept());
        content.AddRule("forward", new NftRule().IsIpv4().JumpByOutputInterfaceAndDestination("by-destination", 8));
        return content;
    }

    private static string Listed(ThrowawayNamespace ns) => ns.Exec("nft", "list", "table", "inet", "cbdiff");

    [Test]
    public void ChangesWrittenOnTheirOwnGiveTheSameTableAsAWholeWrite()
    {
        using var diffed = ThrowawayNamespace.Create();
        using var whole = ThrowawayNamespace.Create();
        var before = Content(200);
        var first = new NftBatch();
        before.WriteWhole(first);
        first.Commit(diffed.Path);

        // Ports 0-9 gone, 200-219 new, port 10's chain has one more rule.
        var after = Content(210, firstPort: 10, ruleMark: "changed");
        var changes = new NftBatch();
        after.WriteChanges(changes, before);
        changes.Commit(diffed.Path);
        var reference = new NftBatch();
        after.WriteWhole(reference);
        reference.Commit(whole.Path);

        Assert.That(Listed(diffed), Is.EqualTo(Listed(whole)));
        Assert.That(changes.Count, Is.LessThan(reference.Count / 5), "the changes are a small part of the whole table");
        Assert.That(Listed(diffed), Does.Not.Contain("in-00000000"));
        Assert.That(Listed(diffed), Does.Contain("in-000000d2").And.Contain("udp dport 53"));
    }

    [Test]
    public void AnUnchangedContentWritesNothingAndAnEmptyOneRemovesEverything()
    {
        using var ns = ThrowawayNamespace.Create();
        var content = Content(20);
        var first = new NftBatch();
        content.WriteWhole(first);
        first.Commit(ns.Path);

        var again = new NftBatch();
        Content(20).WriteChanges(again, content);
        Assert.That(again.Count, Is.Zero);

        var empty = new NftTableContent(NftBatch.FamilyInet, "cbdiff").AddChain("forward", hook: 2, priority: 0);
        var removal = new NftBatch();
        empty.WriteChanges(removal, content);
        removal.Commit(ns.Path);
        Assert.That(Listed(ns), Does.Not.Contain("in-").And.Not.Contain("members").And.Not.Contain("by-destination"));
        Assert.That(NftBatch.TableExists(NftBatch.FamilyInet, "cbdiff", ns.Path), Is.True);
        Assert.That(NftBatch.TableExists(NftBatch.FamilyInet, "cbnone", ns.Path), Is.False);
    }
}
