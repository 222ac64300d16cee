using System.Net;
using CloudBox.Linux.Netlink;

namespace CloudBox.Networking.DataPlane;

/// <summary>
/// The bridge table <c>cloudbox-ports</c>: a frame from a filtered port's tap must carry one of the
/// port's MACs and one of its addresses (for IPv6 also the link-local address of a MAC); DHCP
/// discovery from 0.0.0.0 and, from ::, ICMPv6 (duplicate address detection, MLD) pass; a VM's
/// router advertisements never do; frames of neither IP version (ARP) pass.
/// </summary>
/// <remarks>
/// One verdict-map lookup by tap sends a frame to the checks. The checks are the same chains for
/// every port, looking up (tap, MAC) and (tap, address) in sets that hold every port's, so a port
/// costs set elements and no rules. A port with an allowed address pair that is a prefix (which a
/// hash set cannot hold) gets chains of its own with a rule per address instead.
/// </remarks>
internal static class AntiSpoofingTable
{
    public const string Table = "cloudbox-ports";

    private const string ByTap = "spoof-by-tap", Macs = "port-macs", Sources = "port-sources", Sources6 = "port-sources6";
    private const uint ByTapId = 100_001, MacsId = 100_006, SourcesId = 100_007, Sources6Id = 100_008;
    private const string MacCheck = "mac-check", AddressCheck = "address-check";

    public static NftTableContent Build(IEnumerable<PortSecurityView> filteredPorts)
    {
        var table = new NftTableContent(NftBatch.FamilyBridge, Table).AddChain("prerouting", hook: 0, priority: -300);
        var byTap = new List<(byte[] Key, string Chain)>();
        var macs = new List<byte[]>();
        var sources = new List<byte[]>();
        var sources6 = new List<byte[]>();

        // The checks every port shares: a frame from a MAC the port owns goes on to the address check (and never comes back here); any other is dropped.
        table.AddChain(MacCheck).AddChain(AddressCheck);
        table.AddRule(MacCheck, new NftRule().InputInterfaceAndSourceMacInSet(Macs, MacsId).Goto(AddressCheck));
        table.AddRule(MacCheck, new NftRule().Counter().Drop());
        AddressChecks(table, AddressCheck,
            [new NftRule().IsIpv4Ethernet().InputInterfaceAndSourceInSet(Sources, SourcesId)],
            [new NftRule().IsIpv6Ethernet().InputInterfaceAndSourceInSet(Sources6, Sources6Id, ipv6: true)]);

        foreach (var port in filteredPorts)
        {
            if (port.AllExact)
            {
                byTap.Add((NftRule.InterfaceKey(port.Tap), MacCheck));
                foreach (var mac in port.Macs)
                    macs.Add(NftRule.InterfaceAndMacKey(port.Tap, mac));
                foreach (var (address, _) in port.Sources)
                    (PortSecurityView.IsV6(address) ? sources6 : sources).Add(NftRule.InterfaceAndAddressKey(port.Tap, address));
            }
            else
            {
                byTap.Add((NftRule.InterfaceKey(port.Tap), ChainsOfItsOwn(table, port)));
            }
        }

        table.AddSet(Macs, MacsId, NftKeyType.Concatenation(NftKeyType.InterfaceName, NftKeyType.EtherAddress), 24, macs);
        table.AddSet(Sources, SourcesId, NftKeyType.Concatenation(NftKeyType.InterfaceName, NftKeyType.Ipv4Address), 20, sources);
        table.AddSet(Sources6, Sources6Id, NftKeyType.Concatenation(NftKeyType.InterfaceName, NftKeyType.Ipv6Address), 32, sources6);
        table.AddVerdictMap(ByTap, ByTapId, NftKeyType.InterfaceName, 16, byTap);
        table.AddRule("prerouting", new NftRule().JumpByInputInterface(ByTap, ByTapId));
        return table;
    }

    /// <summary>The same checks as the shared chains, with a rule per MAC and per address (prefixes included); returns the first chain.</summary>
    private static string ChainsOfItsOwn(NftTableContent table, PortSecurityView port)
    {
        var macCheck = "spoof-" + port.Id[..8];
        var addressCheck = "addr-" + port.Id[..8];
        table.AddChain(macCheck).AddChain(addressCheck);
        foreach (var mac in port.Macs)
            table.AddRule(macCheck, new NftRule().SourceMac(mac).Goto(addressCheck));
        table.AddRule(macCheck, new NftRule().Counter().Drop());
        AddressChecks(table, addressCheck,
            port.Sources.Where(a => !PortSecurityView.IsV6(a.Address)).Select(a => new NftRule().IsIpv4Ethernet().SourceAddress(a.Address, a.Prefix)),
            port.Sources.Where(a => PortSecurityView.IsV6(a.Address)).Select(a => new NftRule().IsIpv6Ethernet().SourceAddress(a.Address, a.Prefix)));
        return macCheck;
    }

    /// <summary>
    /// Never a DHCP or DHCPv6 server's answer. IPv4: DHCP discovery from 0.0.0.0, else a source <paramref name="ipv4Own"/> matches, else drop.
    /// IPv6: never a router advertisement; from :: only ICMPv6 (duplicate address detection, MLD); else
    /// a source <paramref name="ipv6Own"/> matches, else drop. Anything else (ARP) returns.
    /// </summary>
    private static void AddressChecks(NftTableContent table, string chain, IEnumerable<NftRule> ipv4Own, IEnumerable<NftRule> ipv6Own)
    {
        table.AddRule(chain, new NftRule().IsIpv4Ethernet().SourceAddress(IPAddress.Any).L4Protocol(17).DestinationPorts(67, 67).Return());
        // A VM never answers as a DHCP or DHCPv6 server: CloudBox's are the network's only ones (as in Neutron).
        table.AddRule(chain, new NftRule().IsIpv4Ethernet().L4Protocol(17).SourcePort(67).Counter().Drop());
        table.AddRule(chain, new NftRule().IsIpv6Ethernet().L4Protocol(17).SourcePort(547).Counter().Drop());
        foreach (var own in ipv4Own)
            table.AddRule(chain, own.Return());
        table.AddRule(chain, new NftRule().IsIpv4Ethernet().Counter().Drop());
        table.AddRule(chain, new NftRule().IsIpv6Ethernet().L4Protocol(58)
            .IcmpType(RouterAdvertisements.RouterAdvertisement.RouterAdvertisementType).Counter().Drop());
        table.AddRule(chain, new NftRule().IsIpv6Ethernet().SourceAddress(IPAddress.IPv6Any).L4Protocol(58).Return());
        foreach (var own in ipv6Own)
            table.AddRule(chain, own.Return());
        table.AddRule(chain, new NftRule().IsIpv6Ethernet().Counter().Drop());
    }
}
