using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Policy;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Identity.Api;

/// <summary>Small helpers every Identity handler uses: authorisation and query parsing.</summary>
public static class IdentityRequest
{
    /// <summary>The caller, after checking <paramref name="action"/> against <paramref name="target"/>; 401/403 otherwise.</summary>
    public static CallerContext Authorize(this HttpContext context, PolicyEngine policy, string action, PolicyTarget? target = null)
    {
        var caller = context.RequireCaller();
        policy.Enforce(action, caller, target);
        return caller;
    }

    public static string? Query(this HttpRequest request, string name)
    {
        var value = request.Query[name].ToString();
        return value.Length > 0 ? value : null;
    }

    /// <summary>A boolean filter in Keystone's spelling: anything but 0/false/no/off is true.</summary>
    public static bool? QueryBool(this HttpRequest request, string name)
    {
        if (!request.Query.TryGetValue(name, out var values))
            return null;
        var value = values.ToString();
        return value.Length == 0 || !(value is "0" or "false" or "False" or "FALSE" or "no" or "off");
    }

    public static string Now(TimeProvider clock) => Core.Ids.Timestamps.ToStorage(clock.GetUtcNow());

    public static void RequireMatchingId(string? bodyId, string pathId)
    {
        if (bodyId is not null && bodyId != pathId)
            throw ApiFault.BadRequest("The id in the body does not match the id in the URL.");
    }
}
