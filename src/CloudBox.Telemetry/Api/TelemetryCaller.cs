using System.Security.Cryptography;
using System.Text;
using CloudBox.Core.Api.Auth;

namespace CloudBox.Telemetry.Api;

/// <summary>Who may see what: a project sees the resources and metrics it owns or created; an admin sees all.</summary>
internal static class TelemetryCaller
{
    public static bool IsAdmin(this CallerContext caller) => caller.HasRole("admin");

    /// <summary>The project to restrict listings to, or null for an admin.</summary>
    public static string? VisibilityProject(this CallerContext caller) => caller.IsAdmin() ? null : caller.ProjectId ?? "";

    /// <summary>Gnocchi's creator string: <c>user_id:project_id</c>.</summary>
    public static string Creator(this CallerContext caller) => $"{caller.UserId}:{caller.ProjectId}";

    public static bool CanSee(this CallerContext caller, string? projectId, string? creatorProjectId) =>
        caller.IsAdmin() || (caller.ProjectId is not null && (caller.ProjectId == projectId || caller.ProjectId == creatorProjectId));

    private static readonly Guid ResourceNamespace = Guid.Parse("0a7a15ff-aa13-4ac2-897c-9bdf30ce175b");

    /// <summary>
    /// Gnocchi's resource id: a UUID as given, any other string turned into a UUID5 of the
    /// string and its creator, so <c>original_resource_id</c> keeps what the client sent.
    /// </summary>
    public static string ResourceUuid(string value, string creator)
    {
        if (Guid.TryParse(value, out var id))
            return id.ToString();
        var name = Encoding.UTF8.GetBytes(value + "\0" + creator);
        var ns = ResourceNamespace.ToByteArray(bigEndian: true);
        var hash = SHA1.HashData([.. ns, .. name]);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true).ToString();
    }
}
