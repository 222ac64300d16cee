using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Api;

namespace CloudBox.Compute.ServerGroups;

/// <summary>
/// What a server group's policy means for placement, and its request shapes: before 2.64 a
/// one-item <c>policies</c> list (the soft policies from 2.15), from 2.64 <c>policy</c> with
/// <c>rules</c>, whose only rule is <c>max_server_per_host</c>, for anti-affinity only.
/// </summary>
public sealed record ServerGroupPolicy(string Name, int? MaxServerPerHost)
{
    public const string Affinity = "affinity";
    public const string AntiAffinity = "anti-affinity";
    public const string SoftAffinity = "soft-affinity";
    public const string SoftAntiAffinity = "soft-anti-affinity";

    /// <summary>Members an anti-affinity group may have on one host when the group sets no rule (Nova's default).</summary>
    public const int DefaultMaxServerPerHost = 1;

    /// <summary>
    /// The most members of the group one host may hold, or null for no limit. Affinity needs every
    /// member on the hosts the group already uses, which on a single node always holds; the soft
    /// policies are preferences (weighers in Nova) and never refuse a host.
    /// </summary>
    public int? PerHostLimit => Name == AntiAffinity ? MaxServerPerHost ?? DefaultMaxServerPerHost : null;

    public string RulesJson => MaxServerPerHost is { } max ? new JsonObject { ["max_server_per_host"] = max }.ToJsonString() : "{}";

    public static ServerGroupPolicy FromRecord(ServerGroupRecord group)
    {
        using var rules = JsonDocument.Parse(group.Rules);
        int? max = rules.RootElement.TryGetProperty("max_server_per_host", out var value) ? value.GetInt32() : null;
        return new ServerGroupPolicy(group.Policy, max);
    }

    /// <summary>Reads the policy of a create request at microversion 2.<paramref name="minor"/>.</summary>
    public static ServerGroupPolicy Parse(JsonObject body, int minor)
    {
        var allowed = minor >= 15 ? new[] { AntiAffinity, Affinity, SoftAntiAffinity, SoftAffinity } : [AntiAffinity, Affinity];
        if (minor >= 64)
        {
            if (body.Has("policies"))
                throw Unexpected("policies");
            var policy = body["policy"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>()
                : throw ApiFault.BadRequest("Invalid input for field/attribute server_group. Value: 'policy' is a required property");
            Check(policy, allowed, "policy");
            var rules = body.OptionalObject("rules");
            if (rules is null || rules.Count == 0)
                return new ServerGroupPolicy(policy, null);
            if (policy != AntiAffinity)
                throw ApiFault.BadRequest("Only anti-affinity policy supports rules.");
            foreach (var (key, _) in rules)
            {
                if (key != "max_server_per_host")
                    throw ApiFault.BadRequest($"Invalid input for field/attribute rules. Additional properties are not allowed ('{key}' was unexpected)");
            }
            var max = rules["max_server_per_host"] switch
            {
                JsonValue n when n.GetValueKind() == JsonValueKind.Number && n.TryGetValue<int>(out var i) => i,
                JsonValue s when s.GetValueKind() == JsonValueKind.String && int.TryParse(s.GetValue<string>(), out var i) => i,
                var other => throw ApiFault.BadRequest($"Invalid input for field/attribute max_server_per_host. Value: {other?.ToJsonString()}. It is not a positive integer."),
            };
            if (max < 1)
                throw ApiFault.BadRequest($"Invalid input for field/attribute max_server_per_host. Value: {max}. {max} is less than the minimum of 1");
            return new ServerGroupPolicy(policy, max);
        }
        if (body.Has("policy"))
            throw Unexpected("policy");
        if (body.Has("rules"))
            throw Unexpected("rules");
        var policies = body.OptionalArray("policies")
            ?? throw ApiFault.BadRequest("Invalid input for field/attribute server_group. Value: 'policies' is a required property");
        if (policies.Count != 1 || policies[0] is not JsonValue only || only.GetValueKind() != JsonValueKind.String)
            throw ApiFault.BadRequest($"Invalid input for field/attribute policies. Value: {policies.ToJsonString()}. A server group has exactly one policy.");
        var name = only.GetValue<string>();
        Check(name, allowed, "policies");
        return new ServerGroupPolicy(name, null);
    }

    private static void Check(string policy, string[] allowed, string field)
    {
        if (!allowed.Contains(policy))
        {
            throw ApiFault.BadRequest($"Invalid input for field/attribute {field}. Value: {policy}. '{policy}' is not one of [{string.Join(", ", allowed.Select(a => $"'{a}'"))}]"
                + (policy.StartsWith("soft-", StringComparison.Ordinal) ? " (the soft policies need microversion 2.15)" : ""));
        }
    }

    private static ApiFault Unexpected(string key) =>
        ApiFault.BadRequest($"Invalid input for field/attribute server_group. Additional properties are not allowed ('{key}' was unexpected)");
}
