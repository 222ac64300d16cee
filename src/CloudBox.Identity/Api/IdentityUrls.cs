using Microsoft.AspNetCore.Http;

namespace CloudBox.Identity.Api;

/// <summary>The URLs Keystone puts in <c>links</c>, built from the address the client used.</summary>
public static class IdentityUrls
{
    public static string Root(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}/identity";

    public static string V3(HttpRequest request) => Root(request) + "/v3";
}
