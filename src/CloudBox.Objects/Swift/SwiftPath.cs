using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace CloudBox.Objects.Swift;

/// <summary>
/// The account, container and object a Swift request names. Parsed from the raw request target
/// and percent-decoded once, as Swift does, so <c>%2F</c> in an object name is a slash and the
/// name is exactly what the client meant. Names are database keys only; they never reach a file path.
/// </summary>
internal sealed record SwiftPath(string Account, string ProjectId, string? Container, string? Object)
{
    public const string AccountPrefix = "AUTH_";
    public const int MaxContainerName = 256;
    public const int MaxObjectName = 1024;

    /// <summary>"/v1/AUTH_p/c/o" as the client would sign it for a TempURL.</summary>
    public string VersionPath => "/v1/" + Account + (Container is null ? "" : "/" + Container) + (Object is null ? "" : "/" + Object);

    public static SwiftPath Parse(HttpContext context, string versionRoot)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "";
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
            raw = raw[..query];
        var start = raw.IndexOf(versionRoot, StringComparison.Ordinal);
        if (start < 0)
            throw SwiftFaults.NotFound();
        var rest = raw[(start + versionRoot.Length)..];

        var parts = rest.Split('/', 3);
        var account = Decode(parts[0]);
        if (!account.StartsWith(AccountPrefix, StringComparison.Ordinal) || account.Length == AccountPrefix.Length)
            throw SwiftFaults.NotFound();
        var container = parts.Length > 1 && parts[1].Length > 0 ? Decode(parts[1]) : null;
        var name = parts.Length > 2 && parts[2].Length > 0 ? Decode(parts[2]) : null;
        if (container is null && name is not null)
            throw SwiftFaults.PreconditionFailed("Invalid path");
        Validate(container, name);
        return new SwiftPath(account, account[AccountPrefix.Length..], container, name);
    }

    /// <summary>Checks a container and object name as Swift does: lengths, no NUL, valid UTF-8, a container no '.', '..' or '/'.</summary>
    public static void Validate(string? container, string? name)
    {
        if (container is not null)
        {
            if (container.Length > MaxContainerName)
                throw SwiftFaults.BadRequest($"Container name length of {container.Length} longer than {MaxContainerName}");
            CheckText(container);
            // Swift: a container is one path segment, and never a relative one.
            if (container is "." or ".." || container.Contains('/', StringComparison.Ordinal))
                throw SwiftFaults.BadRequest("Container name cannot be '.' or '..' or contain '/'");
        }
        if (name is not null)
        {
            if (System.Text.Encoding.UTF8.GetByteCount(name) > MaxObjectName)
                throw SwiftFaults.BadRequest($"Object name length of {name.Length} longer than {MaxObjectName}");
            CheckText(name);
        }
    }

    /// <summary>Splits "container/object" (the form of X-Copy-From, Destination and bulk delete lines).</summary>
    public static (string Container, string? Object) SplitReference(string reference)
    {
        var trimmed = reference.TrimStart('/');
        var slash = trimmed.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
            return (trimmed, null);
        var name = trimmed[(slash + 1)..];
        return (trimmed[..slash], name.Length == 0 ? null : name);
    }

    private static string Decode(string segment) => segment.Contains('%', StringComparison.Ordinal) ? Uri.UnescapeDataString(segment) : segment;

    private static void CheckText(string text)
    {
        if (text.Contains('\0', StringComparison.Ordinal) || text.Contains('\uFFFD', StringComparison.Ordinal))
            throw SwiftFaults.PreconditionFailed("Invalid UTF8 or contains NULL");
    }
}
