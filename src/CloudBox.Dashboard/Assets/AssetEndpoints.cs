using CloudBox.Dashboard.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Dashboard.Assets;

/// <summary>
/// <c>GET /assets/{version}/{path}</c>: embedded files, immutable, Brotli or gzip by <c>Accept-Encoding</c>, ETag.
/// <c>GET /</c> and <c>GET /ui/…</c>: the app's HTML shell for a logged-in browser (never cached); others go to
/// the login page. Admin pages (<c>/ui/identity</c>, <c>/ui/system</c>) answer 403 to members.
/// </summary>
internal static class AssetEndpoints
{
    private static readonly string[] AdminPages = ["/ui/identity", "/ui/system"];

    public static void Map(IEndpointRouteBuilder root)
    {
        root.MapGet("/assets/{version}/{**path}", Serve);
        root.MapMethods("/assets/{version}/{**path}", ["HEAD"], Serve);
        root.MapGet("/", Shell);
        root.MapGet("/ui/{**page}", Shell);
    }

    private static IResult Serve(string version, string path, HttpContext context, AssetCatalog catalog)
    {
        if (version != catalog.Version || catalog.Find(path) is not { } asset)
            return Results.NotFound();
        var response = context.Response;
        response.Headers.CacheControl = "public, max-age=31536000, immutable";
        response.Headers.ETag = asset.ETag;
        response.Headers.Vary = "Accept-Encoding";
        if (context.Request.Headers.IfNoneMatch.ToString() == asset.ETag)
            return Results.StatusCode(StatusCodes.Status304NotModified);
        var body = asset.Content;
        if (asset.Compressible)
        {
            var accepted = context.Request.Headers.AcceptEncoding.ToString();
            if (Accepts(accepted, "br")) { body = asset.Brotli; response.Headers.ContentEncoding = "br"; }
            else if (Accepts(accepted, "gzip")) { body = asset.Gzip; response.Headers.ContentEncoding = "gzip"; }
        }
        return Results.Bytes(body, asset.ContentType);
    }

    private static bool Accepts(string header, string coding)
    {
        foreach (var part in header.Split(','))
        {
            var item = part.Trim();
            var semicolon = item.IndexOf(';');
            var name = semicolon >= 0 ? item[..semicolon].Trim() : item;
            if (!name.Equals(coding, StringComparison.OrdinalIgnoreCase)) continue;
            return !(semicolon >= 0 && item[(semicolon + 1)..].Replace(" ", "", StringComparison.Ordinal) is "q=0" or "q=0.0" or "q=0.00" or "q=0.000");
        }
        return false;
    }

    private static IResult Shell(HttpContext context, AssetCatalog catalog)
    {
        context.Response.Headers.CacheControl = "no-store";
        var feature = context.Features.Get<SessionFeature>();
        if (feature?.Session is not { } session)
            return Results.Redirect(SessionMiddleware.LoginPath + (feature?.Expired == true ? "?expired=1" : ""));
        if (!session.IsAdmin && AdminPages.Any(p => context.Request.Path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase)))
            return Results.Content(Forbidden(catalog), "text/html; charset=utf-8", statusCode: StatusCodes.Status403Forbidden);
        if (context.Request.Path.StartsWithSegments("/ui/console", StringComparison.OrdinalIgnoreCase))
            context.Response.Headers.ContentSecurityPolicy = SecurityHeaders.ConsolePolicy;
        return Results.Bytes(catalog.IndexHtml, "text/html; charset=utf-8");
    }

    private static string Forbidden(AssetCatalog catalog) =>
        $"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Forbidden · CloudBox</title>
        <link rel="stylesheet" href="{catalog.Prefix}app.css"></head>
        <body class="plain"><main class="narrow"><h1>Forbidden</h1>
        <p role="alert">This page is for administrators. Your account has no admin role on this project.</p>
        <p><a href="/ui/overview">Back to the overview</a></p></main></body></html>
        """;
}
