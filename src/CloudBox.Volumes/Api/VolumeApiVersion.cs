using CloudBox.Core.Api;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Volumes.Api;

/// <summary>
/// Block Storage microversions (<c>OpenStack-API-Version: volume 3.X</c>). The module declares
/// 3.0, the base of v3, because that is the surface whose shapes it answers with; later
/// microversions are refused with 406 rather than half-honoured.
/// </summary>
public static class VolumeApiVersion
{
    public const string Minimum = "3.0";
    public const string Maximum = "3.0";

    /// <summary>Checks the requested microversion and echoes the one served.</summary>
    public static async ValueTask<object?> Negotiate(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        var header = context.Request.Headers["OpenStack-API-Version"].ToString();
        if (header.Length > 0)
        {
            var parts = header.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length == 2 && parts[0] is "volume" or "block-storage")
            {
                var requested = parts[1];
                if (requested != "latest" && !IsSupported(requested))
                    throw new ApiFault(406, $"Version {requested} is not supported by the API. Minimum is {Minimum} and maximum is {Maximum}.");
            }
        }
        context.Response.Headers["OpenStack-API-Version"] = "volume " + Maximum;
        context.Response.Headers.Vary = "OpenStack-API-Version";
        return await next(invocation);
    }

    private static bool IsSupported(string requested) =>
        Version.TryParse(requested, out var version) && version >= Version.Parse(Minimum) && version <= Version.Parse(Maximum);
}
