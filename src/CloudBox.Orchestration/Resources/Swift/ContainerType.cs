using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Swift;

/// <summary><c>OS::Swift::Container</c>: a container of the stack's project; <c>purge_on_delete</c> empties it first.</summary>
internal sealed class ContainerType : ResourceType
{
    public override string Name => "OS::Swift::Container";

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["name"] = new("string", Description: "Name for the container. If not specified, a unique name will be generated."),
        ["X-Container-Read"] = new("string", Description: "Specify the ACL permissions on who can read objects in the container."),
        ["X-Container-Write"] = new("string", Description: "Specify the ACL permissions on who can write objects to the container."),
        ["X-Container-Meta"] = new("map", Description: "A map of user-defined meta data to associate with the container."),
        ["purge_on_delete"] = new("boolean", Description: "If True, delete any objects in the container when the container is deleted.", Default: false),
    };

    public override IReadOnlyDictionary<string, string> Attributes { get; } = new Dictionary<string, string>
    {
        ["DomainName"] = "The host from the container URL.",
        ["WebsiteURL"] = "The URL of the container.",
        ["RootURL"] = "The parent URL of the container.",
        ["ObjectCount"] = "The number of objects stored in the container.",
        ["BytesUsed"] = "The number of bytes stored in the container.",
        ["HeadContainer"] = "A map containing all headers for the container.",
        ["show"] = "Detailed information about the resource.",
    };

    private static string Url(ResourceContext context, string name) => $"object-store/v1/AUTH_{context.ProjectId}/{Uri.EscapeDataString(name)}";

    public override async Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken)
    {
        var name = properties["name"]?.ToString() ?? context.Stamp;
        using var request = new HttpRequestMessage(HttpMethod.Put, Url(context, name));
        if (properties["X-Container-Read"] is { } read)
            request.Headers.Add("X-Container-Read", read.ToString());
        if (properties["X-Container-Write"] is { } write)
            request.Headers.Add("X-Container-Write", write.ToString());
        foreach (var (key, value) in properties["X-Container-Meta"] as JsonObject ?? [])
            request.Headers.Add($"X-Container-Meta-{key}", value?.ToString() ?? "");
        using var response = await context.Api.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new ResourceFailure($"Creating container {name}: HTTP {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        context.Data["purge"] = properties["purge_on_delete"]?.GetValue<bool>() == true;
        return name;
    }

    public override async Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken)
    {
        if (context.Data["purge"]?.GetValue<bool>() == true)
        {
            var listing = await context.Api.GetStringAsync($"{Url(context, physicalId)}?format=json&limit=10000", cancellationToken).ConfigureAwait(false);
            foreach (var item in JsonNode.Parse(listing) as JsonArray ?? [])
                using (await context.Api.DeleteAsync($"{Url(context, physicalId)}/{Uri.EscapeDataString(item!["name"]!.ToString())}", cancellationToken)) { }
        }
        using var response = await context.Api.DeleteAsync(Url(context, physicalId), cancellationToken);
        if (!response.IsSuccessStatusCode && (int)response.StatusCode != 404)
            throw new ResourceFailure($"Deleting container {physicalId}: HTTP {(int)response.StatusCode} (a container must be empty; set purge_on_delete).");
    }

    public override async Task<JsonNode?> AttributeAsync(ResourceContext context, string physicalId, string name, CancellationToken cancellationToken)
    {
        var url = new Uri(context.Api.BaseAddress!, Url(context, physicalId));
        switch (name)
        {
            case "DomainName":
                return url.Host;
            case "WebsiteURL":
                return url.ToString();
            case "RootURL":
                return url.ToString()[..(url.ToString().LastIndexOf('/') + 1)];
        }
        using var head = await context.Api.SendAsync(new HttpRequestMessage(HttpMethod.Head, Url(context, physicalId)), cancellationToken);
        if (!head.IsSuccessStatusCode)
            return null;
        var headers = new JsonObject();
        foreach (var (key, values) in head.Headers)
            headers[key.ToLowerInvariant()] = string.Join(',', values);
        return name switch
        {
            "ObjectCount" => long.TryParse(headers["x-container-object-count"]?.ToString(), out var n) ? n : 0,
            "BytesUsed" => long.TryParse(headers["x-container-bytes-used"]?.ToString(), out var b) ? b : 0,
            "HeadContainer" or "show" => headers,
            _ => null,
        };
    }

    public override async Task<string?> FindAsync(ResourceContext context, CancellationToken cancellationToken)
    {
        using var head = await context.Api.SendAsync(new HttpRequestMessage(HttpMethod.Head, Url(context, context.Stamp)), cancellationToken);
        return head.IsSuccessStatusCode ? context.Stamp : null;
    }
}
