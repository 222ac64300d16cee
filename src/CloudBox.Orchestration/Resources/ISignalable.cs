using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources;

/// <summary>A resource type that accepts signals (<c>resource signal</c>, or its token-free signal URL).</summary>
internal interface ISignalable
{
    /// <summary>
    /// Records or acts on <paramref name="details"/>; changes to <see cref="ResourceContext.Data"/> are saved.
    /// Returns the reason of the signal's event (e.g. why no action was taken), or null for the default.
    /// </summary>
    Task<string?> SignalAsync(ResourceContext context, string physicalId, JsonObject details, CancellationToken cancellationToken);
}
