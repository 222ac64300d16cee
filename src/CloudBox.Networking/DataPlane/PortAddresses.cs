using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Networking.Subnets;

namespace CloudBox.Networking.DataPlane;

/// <summary>What a port may send from, as anti-spoofing and security groups see it.</summary>
internal static class PortAddresses
{
    /// <summary>
    /// The addresses a port may send from: its fixed IPs (IPv4 and IPv6), its allowed address pairs
    /// (which may be prefixes), and the IPv6 link-local address of its MAC and of each pair's MAC.
    /// </summary>
    public static List<(IPAddress Address, int Prefix)> Sources(JsonObject port)
    {
        var result = new List<(IPAddress, int)>();
        foreach (var fixedIp in (JsonArray)port["fixed_ips"]!)
        {
            var address = IPAddress.Parse(fixedIp!["ip_address"]!.GetValue<string>());
            result.Add((address, FullLength(address)));
        }
        var macs = new List<string> { port["mac_address"]!.GetValue<string>() };
        foreach (var pair in (JsonArray?)port["allowed_address_pairs"] ?? [])
        {
            var text = pair!["ip_address"]!.GetValue<string>();
            var parts = text.Split('/');
            if (IPAddress.TryParse(parts[0], out var address))
                result.Add((address, parts.Length > 1 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : FullLength(address)));
            if (pair["mac_address"]?.GetValue<string>() is { } mac)
                macs.Add(mac);
        }
        foreach (var mac in macs.Distinct())
            result.Add((Ipv6.LinkLocal(mac), 128));
        return result;
    }

    /// <summary>The MACs a port may send from: its own and its allowed address pairs' (each once).</summary>
    public static List<byte[]> Macs(JsonObject port)
    {
        var macs = new List<byte[]> { ParseMac(port["mac_address"]!.GetValue<string>()) };
        foreach (var pair in (JsonArray?)port["allowed_address_pairs"] ?? [])
        {
            if (pair!["mac_address"]?.GetValue<string>() is { } mac)
                macs.Add(ParseMac(mac));
        }
        return macs.DistinctBy(Convert.ToHexString).ToList();
    }

    public static bool IsExact((IPAddress Address, int Prefix) source) => source.Prefix == FullLength(source.Address);

    public static int FullLength(IPAddress address) => IsV6(address) ? 128 : 32;

    public static bool IsV6(IPAddress address) => address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;

    private static byte[] ParseMac(string mac) =>
        mac.Split(':').Select(p => byte.Parse(p, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
}
