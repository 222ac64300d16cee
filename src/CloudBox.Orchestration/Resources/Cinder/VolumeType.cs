using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Cinder;

/// <summary><c>OS::Cinder::Volume</c>: size grows in place (os-extend; an attached volume is detached for it and attached again), name/description/metadata update in place; image, type and shrinking replace.</summary>
internal sealed class VolumeType : ResourceType
{
    public override string Name => "OS::Cinder::Volume";

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["size"] = new("integer", UpdateAllowed: true, Description: "The size of the volume in GB."),
        ["name"] = new("string", UpdateAllowed: true, Description: "A name used to distinguish the volume."),
        ["description"] = new("string", UpdateAllowed: true, Description: "A description of the volume."),
        ["metadata"] = new("map", UpdateAllowed: true, Description: "Key/value pairs to associate with the volume."),
        ["volume_type"] = new("string", Description: "If specified, the type of volume to use."),
        ["image"] = new("string", Description: "If specified, the name or ID of the image to create the volume from."),
        ["availability_zone"] = new("string", Description: "The availability zone in which the volume will be created."),
    };

    public override IReadOnlyDictionary<string, string> Attributes { get; } = new Dictionary<string, string>
    {
        ["size"] = "The size of the volume in GB.",
        ["status"] = "The current status of the volume.",
        ["display_name"] = "Name of the volume.",
        ["attachments_list"] = "The list of attachments of the volume.",
        ["show"] = "Detailed information about the resource.",
    };

    private static string Url(ResourceContext context) => $"volume/v3/{context.ProjectId}/volumes";

    public override bool CanUpdate(IReadOnlySet<string> changed) => base.CanUpdate(changed);

    public override async Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["size"] = properties["size"]?.DeepClone(),
            ["name"] = properties["name"]?.ToString() ?? context.Stamp,
            ["description"] = properties["description"]?.DeepClone(),
            ["metadata"] = properties["metadata"]?.DeepClone() ?? new JsonObject(),
        };
        if (properties["volume_type"] is { } type)
            body["volume_type"] = type.DeepClone();
        if (properties["availability_zone"] is { } zone)
            body["availability_zone"] = zone.DeepClone();
        if (properties["image"] is { } image)
            body["imageRef"] = await context.ResolveIdAsync("image/v2/images", "images", image.ToString(), cancellationToken);
        var created = await context.PostAsync(Url(context), new JsonObject { ["volume"] = body }, cancellationToken);
        return created?["volume"]?["id"]?.ToString() ?? throw new ResourceFailure("The volume was created without an id.");
    }

    public override Task CheckCreateCompleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        WaitForAsync(context, physicalId, "available", cancellationToken);

    internal static async Task WaitForAsync(ResourceContext context, string volumeId, string wanted, CancellationToken cancellationToken)
    {
        while (true)
        {
            var volume = (await context.GetAsync($"{Url(context)}/{volumeId}", cancellationToken))?["volume"]
                ?? throw new ResourceFailure($"Volume {volumeId} disappeared.");
            var status = volume["status"]?.ToString();
            if (status == wanted)
                return;
            if (status is "error" or "error_extending" or "error_deleting")
                throw new ResourceFailure($"Went to status {status} due to \"Unknown\"");
            await context.PollDelayAsync(cancellationToken);
        }
    }

    public override async Task UpdateAsync(ResourceContext context, string physicalId, JsonObject before, JsonObject after, IReadOnlySet<string> changed, CancellationToken cancellationToken)
    {
        if (changed.Contains("size"))
        {
            var oldSize = before["size"]?.GetValue<long>() ?? 0;
            var newSize = after["size"]?.GetValue<long>() ?? 0;
            if (newSize < oldSize)
                throw new ResourceFailure($"The new size {newSize} must be larger than the current size {oldSize}: volumes cannot shrink.");
            await ExtendAsync(context, physicalId, newSize, cancellationToken);
        }
        if (changed.Contains("name") || changed.Contains("description"))
        {
            await context.PutAsync($"{Url(context)}/{physicalId}", new JsonObject
            {
                ["volume"] = new JsonObject { ["name"] = after["name"]?.ToString() ?? context.Stamp, ["description"] = after["description"]?.DeepClone() },
            }, cancellationToken);
        }
        if (changed.Contains("metadata"))
            await context.PutAsync($"{Url(context)}/{physicalId}/metadata", new JsonObject { ["metadata"] = after["metadata"]?.DeepClone() ?? new JsonObject() }, cancellationToken);
    }

    /// <summary>
    /// Grows the volume. One in use is detached from its servers, extended and attached again, as Heat does where
    /// Cinder cannot extend an attached volume (CloudBox's VMM does not resize a disk under a running guest).
    /// </summary>
    private static async Task ExtendAsync(ResourceContext context, string volumeId, long newSize, CancellationToken cancellationToken)
    {
        var live = (await context.GetAsync($"{Url(context)}/{volumeId}", cancellationToken))?["volume"]
            ?? throw new ResourceFailure($"The volume {volumeId} could not be found.");
        var servers = (live["attachments"] as JsonArray ?? []).Select(a => a?["server_id"]?.ToString()).OfType<string>().Distinct().ToList();
        foreach (var server in servers)
            await context.DeleteAsync($"compute/v2.1/servers/{server}/os-volume_attachments/{volumeId}", cancellationToken);
        if (servers.Count > 0)
            await VolumeAttachmentType.WaitDetachedAsync(context, volumeId, cancellationToken);
        await context.PostAsync($"{Url(context)}/{volumeId}/action", new JsonObject { ["os-extend"] = new JsonObject { ["new_size"] = newSize } }, cancellationToken);
        await WaitForAsync(context, volumeId, "available", cancellationToken);
        foreach (var server in servers)
            await context.PostAsync($"compute/v2.1/servers/{server}/os-volume_attachments", new JsonObject { ["volumeAttachment"] = new JsonObject { ["volumeId"] = volumeId } }, cancellationToken);
        if (servers.Count > 0)
            await WaitForAsync(context, volumeId, "in-use", cancellationToken);
    }

    public override async Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken)
    {
        await context.DeleteAsync($"{Url(context)}/{physicalId}", cancellationToken);
        while (await context.GetAsync($"{Url(context)}/{physicalId}", cancellationToken) is { } left)
        {
            if (left["volume"]?["status"]?.ToString() == "error_deleting")
                throw new ResourceFailure("The volume went to error_deleting.");
            await context.PollDelayAsync(cancellationToken);
        }
    }

    public override async Task<JsonNode?> AttributeAsync(ResourceContext context, string physicalId, string name, CancellationToken cancellationToken)
    {
        var live = (await context.GetAsync($"{Url(context)}/{physicalId}", cancellationToken))?["volume"];
        return name switch
        {
            "show" => live?.DeepClone(),
            "display_name" => live?["name"]?.DeepClone(),
            "attachments_list" => live?["attachments"]?.DeepClone(),
            _ => live?[name]?.DeepClone(),
        };
    }

    /// <summary>The volume exists and is available or in use.</summary>
    public override async Task<string?> CheckAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken)
    {
        var status = (await context.GetAsync($"{Url(context)}/{physicalId}", cancellationToken))?["volume"]?["status"]?.ToString()
            ?? throw new ResourceFailure($"The volume {physicalId} could not be found.");
        return status is "available" or "in-use" ? null : throw new ResourceFailure($"The volume {physicalId} is {status}, expected available or in-use.");
    }

    public override async Task<string?> FindAsync(ResourceContext context, CancellationToken cancellationToken)
    {
        var list = await context.GetAsync($"{Url(context)}?name={Uri.EscapeDataString(context.Stamp)}", cancellationToken);
        return (list?["volumes"] as JsonArray)?.FirstOrDefault()?["id"]?.ToString();
    }
}
