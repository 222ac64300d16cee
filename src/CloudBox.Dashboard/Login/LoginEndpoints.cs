using System.Text.Encodings.Web;
using CloudBox.Core.Api;
using CloudBox.Dashboard.Assets;
using CloudBox.Dashboard.Security;
using CloudBox.Dashboard.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Dashboard.Login;

/// <summary>
/// <c>GET/POST /dashboard/login</c> (the form: <c>domain</c>, <c>username</c>, <c>password</c>, optional
/// <c>project</c>; or <c>application_credential_id</c> and <c>application_credential_secret</c>),
/// <c>POST /dashboard/logout</c> (revokes the token) and <c>GET /dashboard/session</c> (who is logged in, and the CSRF token).
/// </summary>
internal static class LoginEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/login", Form);
        routes.MapPost("/login", LoginAsync).DisableAntiforgery();
        routes.MapPost("/logout", LogoutAsync);
        routes.MapGet("/session", Session);
    }

    private static IResult Form(HttpContext context, AssetCatalog catalog)
    {
        var expired = context.Request.Query["expired"] == "1" || context.Features.Get<SessionFeature>()?.Expired == true;
        return Page(context, catalog, expired ? "Your session has expired. Please log in again." : null, StatusCodes.Status200OK, "Default", "");
    }

    private static async Task<IResult> LoginAsync(HttpContext context, AssetCatalog catalog, LoginService login, CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (!SameOrigin(request))
            throw ApiFault.Forbidden("A login from another site is refused.");
        if (!request.HasFormContentType)
            throw ApiFault.BadRequest("The login expects a form.");
        var form = await request.ReadFormAsync(cancellationToken);
        var domain = Field(form, "domain") is { Length: > 0 } d ? d : "Default";
        var username = Field(form, "username");
        var credentialId = Field(form, "application_credential_id");
        LoginService.Result result;
        if (credentialId.Length > 0)
            result = await login.ApplicationCredentialAsync(credentialId, Field(form, "application_credential_secret"), cancellationToken);
        else if (username.Length == 0 || Field(form, "password").Length == 0)
            return Page(context, catalog, "Enter a user name and a password.", StatusCodes.Status400BadRequest, domain, username);
        else
            result = await login.PasswordAsync(domain, username, Field(form, "password"), Field(form, "project"), cancellationToken);

        if (result.CookieValue is null || result.Session is null)
            return Page(context, catalog, result.Error, StatusCodes.Status401Unauthorized, domain, username);
        SessionCookie.Write(context.Response, result.CookieValue, Core.Ids.Timestamps.FromStorage(result.Session.ExpiresAt));
        return Results.Redirect("/ui/overview");
    }

    private static async Task<IResult> LogoutAsync(HttpContext context, LoginService login, CancellationToken cancellationToken)
    {
        // The session middleware already refused this POST unless it carried the session's CSRF token.
        if (context.Features.Get<SessionFeature>()?.Session is { } session)
            await login.LogoutAsync(session, cancellationToken);
        SessionCookie.Clear(context.Response);
        return Results.NoContent();
    }

    private static IResult Session(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        if (context.Features.Get<SessionFeature>()?.Session is not { } s)
            throw ApiFault.Unauthorized("No dashboard session.");
        return Results.Json(new SessionInfo(s.UserId, s.UserName, s.DomainName, s.ProjectId, s.ProjectName, s.IsAdmin, s.Csrf, s.ExpiresAt), DashboardJsonContext.Default.SessionInfo);
    }

    private static string Field(IFormCollection form, string name) => form[name].ToString().Trim() is { Length: <= 1024 } value ? value : "";

    /// <summary>Browsers send Origin on a form POST; one naming another host is a login-CSRF attempt.</summary>
    private static bool SameOrigin(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0 || origin == "null") return origin.Length == 0;
        return Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }

    private static IResult Page(HttpContext context, AssetCatalog catalog, string? message, int status, string domain, string username)
    {
        context.Response.Headers.CacheControl = "no-store";
        var html = catalog.LoginHtml
            .Replace("{{message}}", message is null ? "" : $"<p class=\"error\" role=\"alert\" id=\"login-error\">{HtmlEncoder.Default.Encode(message)}</p>", StringComparison.Ordinal)
            .Replace("{{domain}}", HtmlEncoder.Default.Encode(domain), StringComparison.Ordinal)
            .Replace("{{username}}", HtmlEncoder.Default.Encode(username), StringComparison.Ordinal);
        return Results.Content(html, "text/html; charset=utf-8", statusCode: status);
    }
}
