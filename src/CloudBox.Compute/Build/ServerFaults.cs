using System.Text.Json.Nodes;

namespace CloudBox.Compute.Build;

/// <summary>The <c>fault</c> a server in ERROR shows: code, message, when, and details for admins.</summary>
public static class ServerFaults
{
    public static string Json(int code, string message, string? details, DateTimeOffset at) => new JsonObject
    {
        ["code"] = code,
        ["message"] = message,
        ["details"] = details ?? message,
        ["created"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
    }.ToJsonString();
}
