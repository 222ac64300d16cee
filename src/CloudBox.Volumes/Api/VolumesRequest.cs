using System.Text.Json;
using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;

namespace CloudBox.Volumes.Api;

/// <summary>Helpers the Volumes handlers share: the project in the URL, and typed reads of body fields.</summary>
public static class VolumesRequest
{
    public static bool IsAdmin(CallerContext caller) => caller.HasRole("admin");

    /// <summary>The URL's project must be the caller's own (admins may act in any project).</summary>
    public static void RequireProject(CallerContext caller, string projectId)
    {
        if (projectId != caller.ProjectId && !IsAdmin(caller))
            throw ApiFault.Forbidden($"Policy doesn't allow acting in project {projectId}.");
    }

    /// <summary>Only the owning project (or an admin) sees a resource; others get 404, as if it did not exist.</summary>
    public static bool CanSee(CallerContext caller, string ownerProjectId) => IsAdmin(caller) || ownerProjectId == caller.ProjectId;

    public static JsonObject Member(JsonObject body, string name) =>
        body[name] as JsonObject ?? throw ApiFault.BadRequest($"Missing required element '{name}' in request body.");

    public static string? OptionalString(JsonObject body, string name, int maxLength = 255)
    {
        var node = body[name];
        if (node is null)
            return null;
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
            throw ApiFault.BadRequest($"Invalid input for field '{name}': must be a string.");
        var text = value.GetValue<string>();
        return text.Length <= maxLength ? text : throw ApiFault.BadRequest($"Invalid input for field '{name}': longer than {maxLength} characters.");
    }

    /// <summary>A whole number the way Cinder accepts it: a JSON number or a numeric string.</summary>
    public static int? OptionalInt(JsonObject body, string name)
    {
        var node = body[name];
        if (node is null)
            return null;
        if (node is JsonValue value)
        {
            if (value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<int>(out var number))
                return number;
            if (value.GetValueKind() == JsonValueKind.String && int.TryParse(value.GetValue<string>(), out number))
                return number;
        }
        throw ApiFault.BadRequest($"Invalid input for field '{name}': must be an integer.");
    }

    public static bool? OptionalBool(JsonObject body, string name)
    {
        var node = body[name];
        if (node is null)
            return null;
        if (node is JsonValue value)
        {
            if (value.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
                return value.GetValue<bool>();
            if (value.GetValueKind() == JsonValueKind.String && bool.TryParse(value.GetValue<string>(), out var flag))
                return flag;
        }
        throw ApiFault.BadRequest($"Invalid input for field '{name}': must be a boolean.");
    }

    /// <summary>A string-to-string map such as <c>metadata</c>.</summary>
    public static Dictionary<string, string>? OptionalMap(JsonObject body, string name)
    {
        var node = body[name];
        if (node is null)
            return null;
        if (node is not JsonObject map)
            throw ApiFault.BadRequest($"Invalid input for field '{name}': must be an object.");
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, item) in map)
        {
            if (key.Length is 0 or > 255 || item is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
                throw ApiFault.BadRequest($"Invalid input for field '{name}': keys and values must be strings of 1 to 255 characters.");
            result[key] = value.GetValue<string>();
        }
        return result;
    }
}
