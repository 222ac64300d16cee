using Microsoft.AspNetCore.Http;

namespace CloudBox.Dashboard.Security;

/// <summary>
/// The headers every dashboard response carries: scripts, styles and connections from this origin only (no inline
/// code, so an injected string can never run), never framed, no MIME sniffing, no referrer leaving the site.
/// </summary>
internal static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; " +
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>
    /// The serial console page only: xterm.js sizes and colours its cells through generated style elements, so that
    /// page (loaded as a full page, never by in-app navigation) also allows inline styles. Scripts stay strict.
    /// </summary>
    public const string ConsolePolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self'; " +
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static void Apply(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "same-origin";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
    }
}
