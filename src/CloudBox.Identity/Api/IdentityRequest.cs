using CloudBox.Core.Api;

namespace CloudBox.Identity.Api;

/// <summary>Small helpers Identity handlers share.</summary>
public static class IdentityRequest
{
    public static string Now(TimeProvider clock) => Core.Ids.Timestamps.ToStorage(clock.GetUtcNow());

    public static void RequireMatchingId(string? bodyId, string pathId)
    {
        if (bodyId is not null && bodyId != pathId)
            throw ApiFault.BadRequest("The id in the body does not match the id in the URL.");
    }
}
