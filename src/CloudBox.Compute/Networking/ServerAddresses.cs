using System.Text.Json;
using CloudBox.Core.Networking;

namespace CloudBox.Compute.Networking;

/// <summary>
/// A server's <c>addresses</c>: per network name, each fixed address of its ports and then their
/// floating ones, with the port's MAC (the <c>OS-EXT-IPS</c> and <c>OS-EXT-IPS-MAC</c> extensions).
/// </summary>
public static class ServerAddresses
{
    public static void Write(Utf8JsonWriter json, IReadOnlyList<ServerPort>? ports)
    {
        json.WriteStartObject();
        if (ports is not null)
        {
            // Networks in the order of their first port; a network's entries gather its ports in order.
            var written = new HashSet<string>(StringComparer.Ordinal);
            foreach (var first in ports)
            {
                if (!written.Add(first.NetworkName))
                    continue;
                json.WriteStartArray(first.NetworkName);
                foreach (var port in ports)
                {
                    if (port.NetworkName != first.NetworkName)
                        continue;
                    foreach (var fixedIp in port.FixedIps)
                        WriteEntry(json, fixedIp.Address, fixedIp.Version, "fixed", port.MacAddress);
                    foreach (var floating in port.FloatingIps)
                        WriteEntry(json, floating, floating.Contains(':') ? 6 : 4, "floating", port.MacAddress);
                }
                json.WriteEndArray();
            }
        }
        json.WriteEndObject();
    }

    private static void WriteEntry(Utf8JsonWriter json, string address, int version, string type, string mac)
    {
        json.WriteStartObject();
        json.WriteNumber("version", version);
        json.WriteString("addr", address);
        json.WriteString("OS-EXT-IPS:type", type);
        json.WriteString("OS-EXT-IPS-MAC:mac_addr", mac);
        json.WriteEndObject();
    }
}
