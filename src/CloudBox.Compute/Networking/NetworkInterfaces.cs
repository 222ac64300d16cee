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

    public static IReadOnlyList<VmNic> Parse(string json)
    {
        if (json is "[]" or "")
            return [];
        return [.. JsonNode.Parse(json)!.AsArray().Select(n => new VmNic(n!["tap"]!.GetValue<string>(), n["mac"]!.GetValue<string>()))];
    }
}
