using System.Text.Json.Nodes;
using CloudBox.Compute.Drivers;
using CloudBox.Core.Networking;

namespace CloudBox.Compute.Networking;

/// <summary>
/// The server row's copy of what its VM plugs, per port: the tap and the MAC. Kept with the server
/// (as Nova keeps its network info cache) so a VM can be defined without asking Networking.
/// </summary>
public static class NetworkInterfaces
{
    public static string ToJson(IReadOnlyList<ServerPort> ports) =>
        new JsonArray([.. ports.Select(p => (JsonNode)new JsonObject { ["port_id"] = p.PortId, ["tap"] = p.TapName, ["mac"] = p.MacAddress })]).ToJsonString();

    /// <summary>The list with <paramref name="ports"/> added at the end (the guest's next interfaces), each port once.</summary>
    public static string Append(string json, IReadOnlyList<ServerPort> ports)
    {
        var list = JsonNode.Parse(json is "" ? "[]" : json)!.AsArray();
        foreach (var port in ports)
        {
            if (!list.Any(n => n!["port_id"]!.GetValue<string>() == port.PortId))
                list.Add(new JsonObject { ["port_id"] = port.PortId, ["tap"] = port.TapName, ["mac"] = port.MacAddress });
        }
        return list.ToJsonString();
    }

    public static string Remove(string json, string portId)
    {
        var list = JsonNode.Parse(json is "" ? "[]" : json)!.AsArray();
        return new JsonArray([.. list.Where(n => n!["port_id"]!.GetValue<string>() != portId).Select(n => n!.DeepClone())]).ToJsonString();
    }

    public static HashSet<string> PortIds(string json) =>
        json is "[]" or "" ? [] : [.. JsonNode.Parse(json)!.AsArray().Select(n => n!["port_id"]!.GetValue<string>())];

    public static IReadOnlyList<VmNic> Parse(string json)
    {
        if (json is "[]" or "")
            return [];
        return [.. JsonNode.Parse(json)!.AsArray().Select(n => new VmNic(n!["tap"]!.GetValue<string>(), n["mac"]!.GetValue<string>()))];
    }
}
