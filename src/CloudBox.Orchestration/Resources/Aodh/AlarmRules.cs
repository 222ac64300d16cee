using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Aodh;

/// <summary>Building an Aodh rule from a resource's properties.</summary>
internal static class AlarmRules
{
    /// <summary>The named properties that are set, copied into a new rule.</summary>
    public static JsonObject Copy(JsonObject properties, params string[] names)
    {
        var rule = new JsonObject();
        foreach (var name in names)
        {
            if (properties[name] is { } value)
                rule[name] = value.DeepClone();
        }
        return rule;
    }
}
