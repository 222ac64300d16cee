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
    /// The newest microversion whose request and response shapes this module implements in full.
    /// Only 2.1 is declared: later behaviours (keypair types, tags, embedded flavors) are not.
    /// </summary>
    public const string Maximum = "2.1";

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
        http.Response.Headers[NewHeader] = "compute " + version;
        http.Response.Headers[OldHeader] = version;
        http.Response.Headers.Vary = NewHeader + ", " + OldHeader;
        return await next(context);
    }
}
