using System.Text.Json;
using CloudBox.Core.Api.Auth;

namespace CloudBox.Core.Api.Policy;

/// <summary>
/// OpenStack-style RBAC: named rules in oslo.policy syntax, defaults from each module,
/// overridable by the operator's JSON policy file. Rules are parsed once at start.
/// </summary>
public sealed class PolicyEngine
{
    private const int MaxDepth = 32;
    private readonly Dictionary<string, PolicyRule> _rules = new(StringComparer.Ordinal);

    public PolicyEngine(IEnumerable<KeyValuePair<string, string>> defaults, string? overrideFile = null)
    {
        foreach (var (name, text) in defaults)
            _rules[name] = PolicyParser.Parse(text);
        if (!string.IsNullOrEmpty(overrideFile) && File.Exists(overrideFile))
        {
            using var stream = File.OpenRead(overrideFile);
            using var document = JsonDocument.Parse(stream);
            foreach (var property in document.RootElement.EnumerateObject())
                _rules[property.Name] = PolicyParser.Parse(property.Value.GetString() ?? "");
        }
    }

    public bool IsAllowed(string action, CallerContext caller, PolicyTarget target) =>
        EvaluateNamed(action, caller, target, 0);

    /// <summary>Answers 403 in the service's fault format unless <paramref name="action"/> is allowed.</summary>
    public void Enforce(string action, CallerContext caller, PolicyTarget? target = null)
    {
        if (!IsAllowed(action, caller, target ?? PolicyTarget.Empty))
            throw ApiFault.Forbidden($"You are not authorized to perform the requested action: {action}.");
    }

    internal bool EvaluateNamed(string name, CallerContext caller, PolicyTarget target, int depth)
    {
        // An action nobody wrote a rule for is refused, never silently allowed.
        if (depth > MaxDepth || !_rules.TryGetValue(name, out var rule))
            return false;
        return rule.Evaluate(caller, target, this, depth);
    }
}
