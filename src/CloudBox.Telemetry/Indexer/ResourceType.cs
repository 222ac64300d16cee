using System.Text.Json.Nodes;

namespace CloudBox.Telemetry.Indexer;

/// <summary>A resource type: its name, state and the schema of its attributes (Gnocchi's JSON form).</summary>
internal sealed record ResourceType(string Name, string State, JsonObject Attributes)
{
    private static JsonObject String(bool required, int max = 255) =>
        new() { ["type"] = "string", ["required"] = required, ["min_length"] = 0, ["max_length"] = max };

    private static JsonObject Uuid(bool required) => new() { ["type"] = "uuid", ["required"] = required };

    /// <summary>Gnocchi's <c>generic</c> and the types Ceilometer creates for the resources CloudBox meters.</summary>
    public static IReadOnlyList<ResourceType> BuiltIn() =>
    [
        new("generic", "active", []),
        new("instance", "active", new JsonObject
        {
            ["host"] = String(true),
            ["image_ref"] = String(false),
            ["display_name"] = String(true),
            ["flavor_id"] = String(true),
            ["flavor_name"] = String(false),
            ["server_group"] = String(false),
        }),
        new("instance_disk", "active", new JsonObject { ["name"] = String(true), ["instance_id"] = Uuid(true) }),
        new("instance_network_interface", "active", new JsonObject { ["name"] = String(true), ["instance_id"] = Uuid(true) }),
        new("volume", "active", new JsonObject { ["display_name"] = String(false), ["volume_type"] = String(false) }),
        new("image", "active", new JsonObject { ["name"] = String(false), ["container_format"] = String(false), ["disk_format"] = String(false) }),
        new("swift_account", "active", []),
        new("network", "active", []),
        new("router", "active", new JsonObject { ["name"] = String(false) }),
        new("host", "active", new JsonObject { ["host_name"] = String(true) }),
        new("host_disk", "active", new JsonObject { ["host_name"] = String(true), ["device_name"] = String(false) }),
        new("nova_compute", "active", new JsonObject { ["host_name"] = String(true) }),
    ];

    /// <summary>Validates one attribute definition and fills Gnocchi's defaults; throws ArgumentException when malformed.</summary>
    public static JsonObject NormaliseAttribute(string name, JsonNode? definition)
    {
        if (definition is not JsonObject input)
            throw new ArgumentException($"Invalid definition for attribute {name}");
        if (name.Length == 0 || name.Length > 63 || !char.IsLetter(name[0]) || name.Any(c => !char.IsLetterOrDigit(c) && c != '_')
            || name is "id" or "type" or "metrics" or "revision" or "revision_start" or "revision_end" or "started_at" or "ended_at"
                or "user_id" or "project_id" or "creator" or "original_resource_id" or "created_by_user_id" or "created_by_project_id")
            throw new ArgumentException($"Invalid attribute name: {name}");
        var type = input["type"]?.GetValue<string>() ?? throw new ArgumentException($"Attribute {name} has no type");
        var required = input["required"]?.GetValue<bool>() ?? true;
        var result = new JsonObject { ["type"] = type, ["required"] = required };
        switch (type)
        {
            case "string":
                result["min_length"] = input["min_length"]?.GetValue<int>() ?? 0;
                result["max_length"] = input["max_length"]?.GetValue<int>() ?? 255;
                break;
            case "number":
                result["min"] = input["min"]?.DeepClone();
                result["max"] = input["max"]?.DeepClone();
                break;
            case "uuid":
            case "bool":
            case "datetime":
                break;
            default:
                throw new ArgumentException($"Invalid type for attribute {name}: {type}");
        }
        if (input["options"] is JsonObject options)
            result["options"] = options.DeepClone();
        return result;
    }

    public JsonObject ToJson() => new() { ["attributes"] = Attributes.DeepClone(), ["name"] = Name, ["state"] = State };
}
