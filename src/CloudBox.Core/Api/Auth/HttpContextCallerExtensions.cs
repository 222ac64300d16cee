using Microsoft.AspNetCore.Http;

namespace CloudBox.Core.Api.Auth;

public static class HttpContextCallerExtensions
{
    /// <summary>The validated caller, or null when no valid token came with the request.</summary>
    public static CallerContext? Caller(this HttpContext context) => context.Features.Get<CallerFeature>()?.Caller;

    /// <summary>The validated caller; answers 401 when there is none.</summary>
    public static CallerContext RequireCaller(this HttpContext context)
    {
        var feature = context.Features.Get<CallerFeature>();
        if (feature?.Caller is { } caller)
            return caller;
        throw feature is { TokenPresented: true }
            ? ApiFault.Unauthorized("The request you have made requires authentication.")
            : ApiFault.Unauthorized();
    }
}
