using Microsoft.AspNetCore.Http;

namespace CloudBox.Core.Api.Auth;

/// <summary>
/// Reads <c>X-Auth-Token</c> and, when present, validates it in-process. Never rejects by itself:
/// endpoints that need a caller ask for it with <see cref="HttpContextCallerExtensions.RequireCaller"/>,
/// so anonymous endpoints (version documents, token issue) stay reachable with a stale token.
/// </summary>
public sealed class TokenAuthenticationMiddleware(RequestDelegate next, ITokenValidator validator)
{
    public const string HeaderName = "X-Auth-Token";

    public async Task InvokeAsync(HttpContext context)
    {
        var token = context.Request.Headers[HeaderName].ToString();
        if (token.Length > 0)
        {
            var caller = await validator.ValidateAsync(token, context.RequestAborted);
            context.Features.Set(new CallerFeature(caller, TokenPresented: true));
        }
        await next(context);
    }
}
