using Microsoft.AspNetCore.Http;

namespace CloudBox.Objects.Swift;

/// <summary>
/// Container CORS as Swift does it: a container's <c>X-Container-Meta-Access-Control-Allow-Origin</c>
/// (space-separated origins, or <c>*</c>), <c>-Max-Age</c> and <c>-Expose-Headers</c> let browser
/// pages from those origins preflight (OPTIONS, no token needed) and read the responses of requests
/// on the container and its objects. Origins not listed get no CORS headers (strict mode) and a 401
/// preflight.
/// </summary>
internal static class ContainerCors
{
    private const string AllowOriginKey = "access-control-allow-origin";
    private const string MaxAgeKey = "access-control-max-age";
    private const string ExposeHeadersKey = "access-control-expose-headers";
    private const string AllowedMethods = "HEAD, GET, PUT, POST, COPY, OPTIONS, DELETE";
    private static readonly HashSet<string> Methods = ["HEAD", "GET", "PUT", "POST", "COPY", "OPTIONS", "DELETE"];

    /// <summary>What a browser may read of any response besides the CORS-safelisted headers.</summary>
    private static readonly string[] DefaultExposed =
        ["cache-control", "content-language", "content-type", "expires", "last-modified", "pragma", "etag", "x-timestamp", "x-trans-id", "x-openstack-request-id"];

    /// <summary>OPTIONS: without an Origin the methods allowed; with one, a preflight answered from the container's metadata.</summary>
    public static async Task PreflightAsync(SwiftRequest request)
    {
        var response = request.Response;
        response.Headers.Allow = AllowedMethods;
        if (request.Header("Origin") is not { Length: > 0 } origin)
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentLength = 0;
            return;
        }
        var metadata = await ContainerMetadataAsync(request);
        var method = request.Header("Access-Control-Request-Method")?.Trim().ToUpperInvariant();
        if (metadata is null || AllowedOrigin(metadata, origin) is not { } allowed || method is null || !Methods.Contains(method))
            throw SwiftFaults.Unauthorized();
        response.StatusCode = StatusCodes.Status200OK;
        response.Headers.AccessControlAllowOrigin = allowed;
        response.Headers.AccessControlAllowMethods = AllowedMethods;
        if (request.Header("Access-Control-Request-Headers") is { Length: > 0 } requested)
            response.Headers.AccessControlAllowHeaders = requested;
        if (metadata.TryGetValue(MaxAgeKey, out var maxAge) && maxAge.Length > 0)
            response.Headers.AccessControlMaxAge = maxAge;
        response.ContentLength = 0;
    }

    /// <summary>
    /// For a request from a browser (an Origin header) on a container or object: once the response
    /// is about to start, adds the CORS headers when the container allows that origin.
    /// </summary>
    public static void AddResponseHeaders(SwiftRequest request)
    {
        if (request.Path.Container is null || request.Header("Origin") is not { Length: > 0 } origin)
            return;
        var response = request.Response;
        response.OnStarting(async () =>
        {
            if (await ContainerMetadataAsync(request) is not { } metadata || AllowedOrigin(metadata, origin) is not { } allowed)
                return;
            response.Headers.AccessControlAllowOrigin = allowed;
            var exposed = new List<string>(DefaultExposed);
            exposed.AddRange(response.Headers.Keys.Where(h =>
                h.StartsWith("X-Object-Meta-", StringComparison.OrdinalIgnoreCase) || h.StartsWith("X-Container-Meta-", StringComparison.OrdinalIgnoreCase)));
            if (metadata.TryGetValue(ExposeHeadersKey, out var configured))
                exposed.AddRange(configured.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries));
            response.Headers.AccessControlExposeHeaders = string.Join(", ", exposed.Distinct(StringComparer.OrdinalIgnoreCase));
        });
    }

    /// <summary>The Access-Control-Allow-Origin value for <paramref name="origin"/>: <c>*</c> when any is allowed, the origin when listed, else null.</summary>
    private static string? AllowedOrigin(Dictionary<string, string> metadata, string origin)
    {
        if (!metadata.TryGetValue(AllowOriginKey, out var allowed))
            return null;
        var origins = allowed.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (origins.Contains("*"))
            return "*";
        return origins.Contains(origin, StringComparer.Ordinal) ? origin : null;
    }

    private static async Task<Dictionary<string, string>?> ContainerMetadataAsync(SwiftRequest request) =>
        request.Path.Container is { } name && await request.Store.FindContainerAsync(request.ProjectId, name, CancellationToken.None) is { } container
            ? container.MetadataMap()
            : null;
}
