using CloudBox.Core.Api;

namespace CloudBox.Networking.Api;

/// <summary>
/// A fault with Neutron's exception name as its <c>type</c> (<c>NetworkNotFound</c>,
/// <c>IpAddressAlreadyAllocated</c>…), which clients and Tempest read from the NeutronError body.
/// </summary>
public sealed class NeutronFault(int statusCode, string type, string message) : ApiFault(statusCode, message)
{
    public string Type { get; } = type;

    public static NeutronFault NotFound(string resource, string id) =>
        new(404, $"{ToTypeName(resource)}NotFound", $"{ToDisplayName(resource)} {id} could not be found.");

    public static NeutronFault InvalidInput(string message) => new(400, "InvalidInput", $"Invalid input for operation: {message}");

    public static NeutronFault BadRequest(string resource, string message) =>
        new(400, "BadRequest", $"Bad {resource} request: {message}.");

    public static NeutronFault Conflict(string type, string message) => new(409, type, message);

    public static NeutronFault PolicyNotAuthorized(string action) =>
        new(403, "PolicyNotAuthorized", $"({action}) is disallowed by policy");

    /// <summary><c>security_group</c> → <c>SecurityGroup</c>.</summary>
    private static string ToTypeName(string resource) =>
        string.Concat(resource.Split('_').Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..]));

    /// <summary><c>security_group</c> → <c>Security group</c>, as Neutron's messages spell it.</summary>
    private static string ToDisplayName(string resource)
    {
        var words = resource.Replace('_', ' ');
        return resource == "floatingip" ? "Floating IP" : char.ToUpperInvariant(words[0]) + words[1..];
    }
}
