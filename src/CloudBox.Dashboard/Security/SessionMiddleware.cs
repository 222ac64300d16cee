using System.Security.Cryptography;
using System.Text;
using CloudBox.Core.Api;
using CloudBox.Dashboard.Sessions;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Dashboard.Security;

/// <summary>
/// Runs before token authentication. A request with a live session cookie and no <c>X-Auth-Token</c> gets the
/// session's token as its <c>X-Auth-Token</c> when it is a safe read from this origin, or a state change carrying
/// the session's <c>X-CSRF-Token</c>. A state change with the cookie and without the right CSRF header is refused
/// 403: a forged cross-site request never acts with the user's rights. Dashboard pages also get their
/// security headers here.
/// </summary>
internal sealed class SessionMiddleware(RequestDelegate next, SessionStore sessions)
{
    public const string LoginPath = "/dashboard/login";

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (IsDashboardPath(request.Path))
            SecurityHeaders.Apply(context.Response);

        var cookie = SessionCookie.Read(request);
        if (cookie is not null && !request.Headers.ContainsKey("X-Auth-Token"))
        {
            var session = await sessions.FindAsync(cookie, context.RequestAborted);
            context.Features.Set(new SessionFeature(session, Expired: session is null));
            if (session is not null)
            {
                if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
                {
                    if (!IsCrossSite(request))
                        request.Headers["X-Auth-Token"] = session.Token;
                }
                else if (CsrfMatches(request.Headers[SessionCookie.CsrfHeader].ToString(), session.Csrf))
                {
                    request.Headers["X-Auth-Token"] = session.Token;
                }
                else if (!request.Path.Equals(LoginPath, StringComparison.OrdinalIgnoreCase))
                {
                    throw ApiFault.Forbidden("This request carries the dashboard session cookie but not its CSRF token; it was refused.");
                }
            }
        }
        await next(context);
    }

    /// <summary>Browsers say where a request came from; a cross-site one must not read with the user's session.</summary>
    private static bool IsCrossSite(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        return site.Length > 0 && site is not ("same-origin" or "none");
    }

    private static bool CsrfMatches(string presented, string expected) =>
        presented.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected));

    public static bool IsDashboardPath(PathString path) =>
        path == "/" || path.StartsWithSegments("/ui") || path.StartsWithSegments("/assets") || path.StartsWithSegments("/dashboard");
}
