using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Policy;
using CloudBox.Networking.Api;

namespace CloudBox.Networking.Ports;

/// <summary>
/// Applies <see cref="NetworkPolicies.NetworkOwnerPortAttributes"/>: for each of them the request
/// sets (on create: to something other than its default; on update: to something other than the
/// port's current value), <c>action:attribute</c> is checked with the port's network as the target.
/// </summary>
internal static class PortAttributePolicy
{
    public static void Authorize(PolicyEngine policy, CallerContext caller, string action, JsonObject request, JsonObject network, JsonObject? current)
    {
        var networkOwner = NeutronRequest.ProjectOf(network);
        var target = new PolicyTarget()
            .Set("target.project_id", current is null ? caller.ProjectId : NeutronRequest.ProjectOf(current))
            .Set("target.network:project_id", networkOwner)
            .Set("target.network:tenant_id", networkOwner);
        foreach (var attribute in NetworkPolicies.NetworkOwnerPortAttributes)
        {
            if (Sets(request, attribute, current) && !policy.IsAllowed($"{action}:{attribute}", caller, target))
                throw NeutronFault.PolicyNotAuthorized($"rule:{action} and rule:{action}:{attribute}");
        }
    }

    private static bool Sets(JsonObject request, string attribute, JsonObject? current)
    {
        switch (attribute)
        {
            case "fixed_ips:ip_address":
                if (request["fixed_ips"] is not JsonArray fixedIps || fixedIps.All(ip => ip is JsonObject o && o["ip_address"] is null))
                    return false;
                // Keeping addresses the port already holds is no choice of a new one.
                var held = (current?["fixed_ips"] as JsonArray ?? []).Select(ip => ip?["ip_address"]?.ToString()).ToHashSet();
                return fixedIps.Any(ip => ip is not JsonObject o || (o["ip_address"] is { } address && !held.Contains(address.ToString())));
            case "mac_address":
                return request["mac_address"] is { } mac && !SameValue(mac, current?["mac_address"]);
            case "allowed_address_pairs":
                return request.ContainsKey("allowed_address_pairs") && !SameValue(request["allowed_address_pairs"], current?["allowed_address_pairs"] ?? new JsonArray());
            case "port_security_enabled":
                return request.ContainsKey("port_security_enabled")
                    && !SameValue(request["port_security_enabled"], current?["port_security_enabled"] ?? JsonValue.Create(true));
            case "device_owner":
                return request["device_owner"] is JsonValue owner && owner.GetValueKind() == JsonValueKind.String
                    && owner.GetValue<string>().StartsWith("network:", StringComparison.Ordinal)
                    && !SameValue(owner, current?["device_owner"]);
            default:
                return request.ContainsKey(attribute);
        }
    }

    private static bool SameValue(JsonNode? requested, JsonNode? existing) => JsonNode.DeepEquals(requested, existing);
}
