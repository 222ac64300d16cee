using Microsoft.AspNetCore.Http;

namespace CloudBox.Dashboard.Sessions;

/// <summary>The session cookie: HttpOnly, SameSite=Strict, Secure under https, path /, no lifetime beyond the token's.</summary>
internal static class SessionCookie
{
    public const string Name = "cloudbox_session";
    public const string CsrfHeader = "X-CSRF-Token";

    public static string? Read(HttpRequest request) =>
        request.Cookies.TryGetValue(Name, out var value) && value.Length is > 0 and <= 128 ? value : null;

    public static void Write(HttpResponse response, string value, DateTimeOffset expires) =>
        response.Cookies.Append(Name, value, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = response.HttpContext.Request.IsHttps,
            Path = "/",
            Expires = expires,
            IsEssential = true,
        });

    public static void Clear(HttpResponse response) =>
        response.Cookies.Delete(Name, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = response.HttpContext.Request.IsHttps, Path = "/" });
}
