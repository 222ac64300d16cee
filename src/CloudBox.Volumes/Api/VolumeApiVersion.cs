using CloudBox.Core.Api;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Volumes.Api;

/// <summary>
/// Block Storage microversions (<c>OpenStack-API-Version: volume 3.X</c>); none means 3.0,
/// <c>latest</c> the maximum, the served version is echoed. The maximum is 3.47: 3.27 brings the
/// attachments API and 3.44 its <c>os-complete</c> action, 3.45 <c>count</c> in lists
/// (<c>with_count</c>), 3.46 volumes from the images Nova makes of volume-backed servers, 3.47
/// volumes from backups (<c>backup_id</c>), which CloudBox serves. The microversions
/// in between change APIs CloudBox does not serve (messages, groups, manageable resources, workers,
/// clusters, replication), which answer 404 at every version, and list filters that are accepted
/// and ignored; 3.42 (extending an in-use volume) is refused with 400 because a running VM could not
/// see the new size.
/// </summary>
public static class VolumeApiVersion
{
    public const string Minimum = "3.0";
    public const string Maximum = "3.47";

    private const string ItemKey = "volume.microversion";

    /// <summary>The negotiated version of this request.</summary>
    public static Version Of(HttpContext context) => context.Items[ItemKey] as Version ?? Version.Parse(Minimum);

    public static bool AtLeast(HttpContext context, string version) => Of(context) >= Version.Parse(version);

    /// <summary>Checks the requested microversion and echoes the one served.</summary>
    public static async ValueTask<object?> Negotiate(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        var served = Version.Parse(Minimum);
        var header = context.Request.Headers["OpenStack-API-Version"].ToString();
        if (header.Length > 0)
        {
            var parts = header.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length == 2 && parts[0] is "volume" or "block-storage")
            {
                var requested = parts[1];
                if (requested == "latest")
                    served = Version.Parse(Maximum);
                else if (!Version.TryParse(requested, out var version) || version < Version.Parse(Minimum) || version > Version.Parse(Maximum))
                    throw new ApiFault(406, $"Version {requested} is not supported by the API. Minimum is {Minimum} and maximum is {Maximum}.");
                else
                    served = version;
            }
        }
        context.Items[ItemKey] = served;
        context.Response.Headers["OpenStack-API-Version"] = $"volume {served.Major}.{served.Minor}";
        context.Response.Headers.Vary = "OpenStack-API-Version";
        return await next(invocation);
    }

    /// <summary>404 below <paramref name="version"/>, as Cinder answers for an API a microversion has not introduced yet.</summary>
    public static void Require(HttpContext context, string version)
    {
        if (!AtLeast(context, version))
            throw ApiFault.NotFound($"The resource could not be found (it needs microversion {version} or later).");
    }
}
