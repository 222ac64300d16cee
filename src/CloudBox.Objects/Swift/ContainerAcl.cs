using CloudBox.Core.Api.Auth;

namespace CloudBox.Objects.Swift;

/// <summary>
/// Swift container ACLs (<c>X-Container-Read</c>, <c>X-Container-Write</c>) in the Keystone form:
/// comma-separated <c>project:user</c> entries (ids or names, <c>*</c> for any), role names,
/// and for reads the referrer entries <c>.r:*</c>, <c>.r:host</c>, <c>.r:-host</c> and <c>.rlistings</c>.
/// </summary>
internal static class ContainerAcl
{
    public static IEnumerable<string> Entries(string acl)
    {
        foreach (var entry in acl.Split(','))
        {
            var trimmed = entry.Trim();
            if (trimmed.Length > 0)
                yield return trimmed;
        }
    }

    /// <summary>Cleans an ACL header for storage; a write ACL may not carry referrer entries (Swift refuses them).</summary>
    public static string Normalize(string acl, bool isWrite)
    {
        var entries = Entries(acl).ToList();
        foreach (var entry in entries)
        {
            if (entry.StartsWith('.') && (isWrite || !(entry.StartsWith(".r:", StringComparison.Ordinal) || entry == ".rlistings")))
                throw SwiftFaults.BadRequest($"Referrers not allowed in write ACL: '{entry}'");
            if (entry == ".r:")
                throw SwiftFaults.BadRequest("No host/domain value after referrer designation in ACL: '.r:'");
        }
        return string.Join(',', entries);
    }

    /// <summary>Whether the referrer entries let a request from <paramref name="referrer"/> (may be absent) read.</summary>
    public static bool AllowsReferrer(string acl, string? referrer)
    {
        var host = ReferrerHost(referrer);
        var allowed = false;
        foreach (var entry in Entries(acl))
        {
            if (!entry.StartsWith(".r:", StringComparison.Ordinal))
                continue;
            var value = entry[3..];
            var negate = value.StartsWith('-');
            if (negate)
                value = value[1..];
            var match = value == "*" || (host is not null && (value.StartsWith('.')
                ? host.EndsWith(value, StringComparison.OrdinalIgnoreCase) || host.Equals(value[1..], StringComparison.OrdinalIgnoreCase)
                : host.Equals(value, StringComparison.OrdinalIgnoreCase)));
            if (match)
                allowed = !negate;
        }
        return allowed;
    }

    public static bool AllowsListings(string acl) => Entries(acl).Contains(".rlistings");

    /// <summary>Whether an authenticated caller is named by the ACL, as a project:user pair or by one of its roles.</summary>
    public static bool AllowsCaller(string acl, CallerContext caller)
    {
        foreach (var entry in Entries(acl))
        {
            if (entry.StartsWith('.'))
                continue;
            var colon = entry.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                if (caller.HasRole(entry))
                    return true;
                continue;
            }
            var project = entry[..colon];
            var user = entry[(colon + 1)..];
            var projectMatches = project == "*" || project == caller.ProjectId || project == caller.ProjectName;
            var userMatches = user == "*" || user == caller.UserId || user == caller.UserName;
            if (projectMatches && userMatches && (project != "*" || caller.ProjectId is not null || user != "*"))
                return true;
        }
        return false;
    }

    private static string? ReferrerHost(string? referrer)
    {
        if (string.IsNullOrEmpty(referrer))
            return null;
        return Uri.TryCreate(referrer, UriKind.Absolute, out var uri) ? uri.Host : null;
    }
}
