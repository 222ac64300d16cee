using System.Globalization;
using CloudBox.Core.Api;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Compute.Api;

/// <summary>
/// Compute microversion negotiation: <c>OpenStack-API-Version: compute X.Y</c> or the older
/// <c>X-OpenStack-Nova-API-Version: X.Y</c>; none means the minimum, <c>latest</c> the maximum,
/// anything outside [min, max] is 406. The chosen version is echoed in both headers.
/// </summary>
public static class Microversions
{
    public const string Minimum = "2.1";

    /// <summary>
    /// The newest microversion whose request and response shapes this module implements for the
    /// APIs it serves: 2.2 key pair types, 2.3 extended server attributes, 2.9 <c>locked</c>,
    /// 2.11 <c>forced_down</c>, 2.16 <c>host_status</c>, 2.19 server descriptions, 2.26 server
    /// tags, 2.28 <c>cpu_info</c> as an object, 2.35 key pair paging, 2.36 no network proxies in
    /// limits and quotas, 2.37 <c>networks</c> required (<c>auto</c>/<c>none</c>); for server groups
    /// 2.13 (<c>project_id</c>, <c>user_id</c>) and 2.15 (the soft policies). The APIs those
    /// microversions change and that CloudBox does not serve (migrations, evacuate, consoles,
    /// volumes) answer 404 at every version.
    /// </summary>
    public const string Maximum = "2.37";

    private const string ItemKey = "compute.microversion";

    /// <summary>The negotiated minor version of this request (1 when none was negotiated).</summary>
    public static int Minor(HttpContext context) => context.Items[ItemKey] is int minor ? minor : 1;

    /// <summary>True when the request's microversion is 2.<paramref name="minor"/> or later.</summary>
    public static bool AtLeast(HttpContext context, int minor) => Minor(context) >= minor;

    private const string NewHeader = "OpenStack-API-Version";
    private const string OldHeader = "X-OpenStack-Nova-API-Version";

    public static (int Major, int Minor) Parse(string text)
    {
        var parts = text.Split('.');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
            throw ApiFault.BadRequest($"API Version String {text} is of invalid format. Must be of format MajorNum.MinorNum.");
        return (major, minor);
    }

    /// <summary>The version the request asked for, checked against the supported range.</summary>
    public static string Negotiate(HttpRequest request)
    {
        string? requested = null;
        foreach (var value in request.Headers[NewHeader])
        {
            foreach (var item in (value ?? "").Split(','))
            {
                var pieces = item.Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
                if (pieces.Length == 2 && pieces[0].Equals("compute", StringComparison.OrdinalIgnoreCase))
                    requested = pieces[1].Trim();
            }
        }
        if (requested is null)
        {
            var old = request.Headers[OldHeader].ToString();
            if (old.Length > 0)
                requested = old.Trim();
        }
        if (requested is null)
            return Minimum;
        if (requested.Equals("latest", StringComparison.OrdinalIgnoreCase))
            return Maximum;
        var version = Parse(requested);
        if (version.CompareTo(Parse(Minimum)) < 0 || version.CompareTo(Parse(Maximum)) > 0)
        {
            throw new ApiFault(406,
                $"Version {requested} is not supported by the API. Minimum is {Minimum} and maximum is {Maximum}.");
        }
        return $"{version.Item1}.{version.Item2}";
    }

    /// <summary>An endpoint filter for every versioned compute endpoint.</summary>
    public static async ValueTask<object?> Filter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var version = Negotiate(http.Request);
        http.Items[ItemKey] = Parse(version).Minor;
        http.Response.Headers[NewHeader] = "compute " + version;
        http.Response.Headers[OldHeader] = version;
        http.Response.Headers.Vary = NewHeader + ", " + OldHeader;
        return await next(context);
    }
}
