using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Networking;

namespace CloudBox.Compute.Networking;

/// <summary>How a create request wants the server networked.</summary>
public enum NetworkMode
{
    /// <summary><c>"none"</c>: no interface.</summary>
    None,

    /// <summary><c>"auto"</c> (2.37): the one network the project may use, or a refusal.</summary>
    Auto,

    /// <summary>No <c>networks</c> before 2.37: the one usable network if there is one, else no interface.</summary>
    Implicit,

    /// <summary>A list of networks and ports.</summary>
    Explicit,
}

/// <summary>
/// The <c>networks</c> and <c>security_groups</c> members of <c>POST /servers</c>, validated as Nova's
/// schema does. The groups (names or ids; none means the project's <c>default</c>) go on the ports
/// the create makes, not on ports it is given.
/// </summary>
public sealed record RequestedNetworks(NetworkMode Mode, IReadOnlyList<PortRequest> Requests)
{
    /// <summary>More groups than any project may hold (Neutron's default quota is 10) is a malformed request.</summary>
    public const int MaxSecurityGroups = 100;

    public IReadOnlyList<string> SecurityGroups { get; init; } = [];

    public static IReadOnlyList<string> ParseSecurityGroups(JsonNode? groups)
    {
        if (groups is null)
            return [];
        if (groups is not JsonArray list)
            throw ApiFault.BadRequest("Invalid input for field/attribute security_groups. Value: " + groups.ToJsonString() + ". It must be a list.");
        if (list.Count > MaxSecurityGroups)
            throw ApiFault.BadRequest($"Invalid input for field/attribute security_groups: at most {MaxSecurityGroups} groups.");
        var names = new List<string>(list.Count);
        foreach (var item in list)
        {
            if (item is not JsonObject group || group.Any(p => p.Key != "name"))
                throw ApiFault.BadRequest("Invalid input for field/attribute security_groups: each group is an object with only a 'name'.");
            var name = Text(group, "name");
            if (string.IsNullOrWhiteSpace(name) || name.Length > 255)
                throw ApiFault.BadRequest("Invalid input for field/attribute name: a security group name is 1 to 255 characters.");
            if (!names.Contains(name))
                names.Add(name);
        }
        return names;
    }

    public static RequestedNetworks Parse(JsonNode? networks)
    {
        switch (networks)
        {
            case null:
            case JsonArray { Count: 0 }:
                return new(NetworkMode.Implicit, []);
            case JsonValue value when value.GetValueKind() == JsonValueKind.String && value.GetValue<string>() == "none":
                return new(NetworkMode.None, []);
            case JsonValue value when value.GetValueKind() == JsonValueKind.String && value.GetValue<string>() == "auto":
                return new(NetworkMode.Auto, []);
            case JsonArray list:
                return new(NetworkMode.Explicit, [.. list.Select(ParseOne)]);
            default:
                throw ApiFault.BadRequest("Invalid input for field/attribute networks. Value: " + networks.ToJsonString() +
                    ". It must be a list of networks, 'auto' or 'none'.");
        }
    }

    private static PortRequest ParseOne(JsonNode? item)
    {
        if (item is not JsonObject network)
            throw ApiFault.BadRequest("Invalid input for field/attribute networks: each network is an object.");
        foreach (var (key, _) in network)
        {
            if (key is not ("uuid" or "port" or "fixed_ip" or "tag"))
                throw ApiFault.BadRequest($"Invalid input for field/attribute networks: Additional properties are not allowed ('{key}' was unexpected)");
        }
        var uuid = Text(network, "uuid");
        var port = Text(network, "port");
        var fixedIp = Text(network, "fixed_ip");
        if (port is not null)
        {
            if (!Guid.TryParse(port, out _))
                throw ApiFault.BadRequest($"Bad networks format: port uuid is not in proper format ({port})");
            if (fixedIp is not null)
                throw ApiFault.BadRequest($"Specified Fixed IP '{fixedIp}' cannot be used with port '{port}': the port already has a Fixed IP allocated.");
            return new PortRequest(null, port, null);
        }
        if (uuid is null)
            throw ApiFault.BadRequest("Bad network format: missing 'uuid'");
        if (!Guid.TryParse(uuid, out _))
            throw ApiFault.BadRequest($"Bad networks format: network uuid is not in proper format ({uuid})");
        if (fixedIp is not null && !(IPAddress.TryParse(fixedIp, out var address) && address.AddressFamily == AddressFamily.InterNetwork))
            throw ApiFault.BadRequest($"Invalid fixed IP address ({fixedIp})");
        return new PortRequest(uuid, null, fixedIp);
    }

    private static string? Text(JsonObject network, string key) => network[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => throw ApiFault.BadRequest($"Invalid input for field/attribute {key}: it must be a string."),
    };
}
