using System.Text.Json.Nodes;
using CloudBox.Core.Networking;

namespace CloudBox.Compute.Networking;

/// <summary>
/// A server's <c>addresses</c>: per network name, each fixed address of its ports and then their
/// floating ones, with the port's MAC (the <c>OS-EXT-IPS</c> and <c>OS-EXT-IPS-MAC</c> extensions).
/// </summary>
public static class ServerAddresses
{
    public static JsonObject Json(IReadOnlyList<ServerPort>? ports)
    {
        var addresses = new JsonObject();
        if (ports is null)
            return addresses;
        foreach (var port in ports)
        {
            if (addresses[port.NetworkName] is not JsonArray list)
                addresses[port.NetworkName] = list = [];
            foreach (var fixedIp in port.FixedIps)
                list.Add(Entry(fixedIp.Address, fixedIp.Version, "fixed", port.MacAddress));
            foreach (var floating in port.FloatingIps)
                list.Add(Entry(floating, floating.Contains(':') ? 6 : 4, "floating", port.MacAddress));
        }
        return addresses;
    }

    private static JsonObject Entry(string address, int version, string type, string mac) => new()
    {
        ["version"] = version,
        ["addr"] = address,
        ["OS-EXT-IPS:type"] = type,
        ["OS-EXT-IPS-MAC:mac_addr"] = mac,
    };
}
