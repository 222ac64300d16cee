using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Policy;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Core.Api;

/// <summary>Helpers every module's handlers use: authorisation against the policy and query parsing.</summary>
public static class RequestExtensions
{
    /// <summary>The caller, after checking <paramref name="action"/> against <paramref name="target"/>; 401/403 otherwise.</summary>
    public static CallerContext Authorize(this HttpContext context, PolicyEngine policy, string action, PolicyTarget? target = null)
    {
        var caller = context.RequireCaller();
        policy.Enforce(action, caller, target);
        return caller;
    }

    /// <summary>A query parameter, or null when absent or empty.</summary>
    public static string? Query(this HttpRequest request, string name)
    {
        var value = request.Query[name].ToString();
        return value.Length > 0 ? value : null;
    }

    /// <summary>A boolean filter in OpenStack's lenient spelling: anything but 0/false/no/off is true.</summary>
    public static bool? QueryBool(this HttpRequest request, string name)
    {
        if (!request.Query.TryGetValue(name, out var values))
            return null;
        var value = values.ToString();
        return value.Length == 0 || !(value is "0" or "false" or "False" or "FALSE" or "no" or "off");
    }
}
