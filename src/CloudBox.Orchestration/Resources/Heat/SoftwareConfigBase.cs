using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Heat;

/// <summary>
/// What the software-config types share: each makes one immutable config through the
/// <c>software_configs</c> API (its id is the physical id), reads its <c>config</c> back as an
/// attribute, and deletes it with the resource; any change replaces it, as Heat's do.
/// </summary>
internal abstract class SoftwareConfigBase : ResourceType
{
    public override IReadOnlyDictionary<string, string> Attributes { get; } = new Dictionary<string, string>
    {
        ["config"] = "The config value of the software config.",
        ["show"] = "Detailed information about the resource.",
    };

    protected static string Url(ResourceContext context) => $"orchestration/v1/{context.ProjectId}/software_configs";

    /// <summary>The body of the config this resource makes (name, group, config, inputs, outputs, options).</summary>
    protected abstract Task<JsonObject> ConfigAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken);

    public override async Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken)
    {
        var body = await ConfigAsync(context, properties, cancellationToken);
        body["name"] ??= context.Stamp;
        var created = await context.PostAsync(Url(context), body, cancellationToken);
        return created?["software_config"]?["id"]?.ToString() ?? throw new ResourceFailure("The software config was created without an id.");
    }

    public override Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        context.DeleteAsync($"{Url(context)}/{Uri.EscapeDataString(physicalId)}", cancellationToken);

    public override async Task<JsonNode?> AttributeAsync(ResourceContext context, string physicalId, string name, CancellationToken cancellationToken)
    {
        var config = (await context.GetAsync($"{Url(context)}/{Uri.EscapeDataString(physicalId)}", cancellationToken))?["software_config"];
        return Shown(config, name);
    }

    public override async Task<string?> CheckAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        await context.GetAsync($"{Url(context)}/{Uri.EscapeDataString(physicalId)}", cancellationToken) is null
            ? throw new ResourceFailure($"Software config {physicalId} could not be found.")
            : null;

    /// <summary>A config named by its stamp is found again after a crash.</summary>
    public override async Task<string?> FindAsync(ResourceContext context, CancellationToken cancellationToken)
    {
        for (string? marker = null; ;)
        {
            var page = (await context.GetAsync($"{Url(context)}?limit=1000{(marker is null ? "" : "&marker=" + marker)}", cancellationToken))?["software_configs"] as JsonArray ?? [];
            if (page.FirstOrDefault(c => c?["name"]?.ToString() == context.Stamp)?["id"]?.ToString() is { } id)
                return id;
            if (page.Count < 1000)
                return null;
            marker = page[^1]?["id"]?.ToString();
        }
    }
}
