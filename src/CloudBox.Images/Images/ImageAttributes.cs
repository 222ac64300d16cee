using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Api;

namespace CloudBox.Images.Images;

/// <summary>
/// Glance's rules for what a client may set on an image: typed core attributes, read-only ones
/// (403), reserved ones (403), and free-form properties whose values are strings.
/// </summary>
public static class ImageAttributes
{
    public static readonly string[] DiskFormats = ["ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop"];
    public static readonly string[] ContainerFormats = ["ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"];
    public static readonly string[] Visibilities = ["public", "private", "shared", "community"];

    private static readonly HashSet<string> ReadOnly =
    [
        "status", "size", "virtual_size", "checksum", "os_hash_algo", "os_hash_value", "created_at", "updated_at",
        "self", "file", "schema", "direct_url", "locations", "stores",
    ];

    private static readonly HashSet<string> Reserved = ["location", "deleted", "deleted_at", "os_glance_import_task"];

    /// <summary>Names a client may never set; patch paths and create bodies are checked against them.</summary>
    public static void RefuseProtected(string name)
    {
        if (ReadOnly.Contains(name))
            throw ApiFault.Forbidden($"Attribute '{name}' is read-only.");
        if (Reserved.Contains(name) || name.StartsWith("os_glance", StringComparison.Ordinal))
            throw ApiFault.Forbidden($"Attribute '{name}' is reserved.");
    }

    /// <summary>Sets attribute <paramref name="name"/> on <paramref name="image"/> from a client's JSON value.</summary>
    public static void Set(ImageRecord image, string name, JsonNode? value)
    {
        RefuseProtected(name);
        switch (name)
        {
            case "id":
                throw ApiFault.Forbidden("Attribute 'id' is read-only.");
            case "name":
                image.Name = OptionalString(name, value, 255);
                break;
            case "visibility":
                image.Visibility = OneOf(name, value, Visibilities);
                break;
            case "protected":
                image.Protected = Boolean(name, value);
                break;
            case "os_hidden":
                image.OsHidden = Boolean(name, value);
                break;
            case "owner":
                image.Owner = OptionalString(name, value, 255);
                break;
            case "disk_format":
                image.DiskFormat = value is null ? null : OneOf(name, value, DiskFormats);
                break;
            case "container_format":
                image.ContainerFormat = value is null ? null : OneOf(name, value, ContainerFormats);
                break;
            case "min_disk":
                image.MinDisk = NonNegative(name, value);
                break;
            case "min_ram":
                image.MinRam = NonNegative(name, value);
                break;
            case "tags":
                image.Tags = Tags(value);
                break;
            default:
                if (name.Length is 0 or > 255)
                    throw ApiFault.BadRequest($"Property name '{name}' must be 1 to 255 characters.");
                if (value is null)
                    image.Properties.Remove(name);
                else
                    image.Properties[name] = PropertyValue(name, value);
                break;
        }
    }

    public static bool IsCore(string name) => name is "name" or "visibility" or "protected" or "os_hidden" or "owner" or "disk_format"
        or "container_format" or "min_disk" or "min_ram" or "tags" or "id";

    public static void ValidateTag(string tag)
    {
        if (tag.Length is 0 or > 255)
            throw ApiFault.BadRequest("Image tags must be 1 to 255 characters.");
    }

    private static List<string> Tags(JsonNode? value)
    {
        if (value is not JsonArray array)
            throw ApiFault.BadRequest("Invalid 'tags': must be a list of strings.");
        var tags = new List<string>();
        foreach (var item in array)
        {
            if (item is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
                throw ApiFault.BadRequest("Invalid 'tags': must be a list of strings.");
            var tag = v.GetValue<string>();
            ValidateTag(tag);
            if (!tags.Contains(tag))
                tags.Add(tag);
        }
        if (tags.Count > 128)
            throw ApiFault.RequestTooLarge("An image may have at most 128 tags.");
        return tags;
    }

    private static string PropertyValue(string name, JsonNode value)
    {
        if (value is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            var text = v.GetValue<string>();
            if (text.Length > 65535)
                throw ApiFault.BadRequest($"Property '{name}' is longer than 65535 characters.");
            return text;
        }
        throw ApiFault.BadRequest($"Invalid value for property '{name}': additional properties must be strings.");
    }

    private static string? OptionalString(string name, JsonNode? value, int maxLength)
    {
        if (value is null)
            return null;
        if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
            throw ApiFault.BadRequest($"Invalid '{name}': must be a string.");
        var text = v.GetValue<string>();
        if (text.Length > maxLength)
            throw ApiFault.BadRequest($"Invalid '{name}': longer than {maxLength} characters.");
        return text;
    }

    private static string OneOf(string name, JsonNode? value, string[] allowed)
    {
        var text = OptionalString(name, value, 255);
        if (text is null || !allowed.Contains(text))
            throw ApiFault.BadRequest($"Invalid value '{text}' for '{name}': must be one of {string.Join(", ", allowed)}.");
        return text;
    }

    private static bool Boolean(string name, JsonNode? value)
    {
        if (value is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
            return v.GetValue<bool>();
        throw ApiFault.BadRequest($"Invalid '{name}': must be a boolean.");
    }

    private static int NonNegative(string name, JsonNode? value)
    {
        if (value is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var number) && number >= 0)
            return number;
        throw ApiFault.BadRequest($"Invalid '{name}': must be a non-negative integer.");
    }
}
