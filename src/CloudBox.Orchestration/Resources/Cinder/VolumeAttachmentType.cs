using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Cinder;

/// <summary>
/// <c>OS::Cinder::VolumeAttachment</c>: attaches a volume to a server through Nova's os-volume_attachments. As in
/// Heat, every property updates in place: the volume is detached and attached again where the template now says
/// (to the server that replaced the old one, say), which a volume that is not multiattach could not do as a
/// replacement created before the old attachment is gone.
/// </summary>
internal sealed class VolumeAttachmentType : ResourceType
{
    public override string Name => "OS::Cinder::VolumeAttachment";

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["instance_uuid"] = new("string", Required: true, UpdateAllowed: true, Description: "The ID of the server to which the volume attaches."),
        ["volume_id"] = new("string", Required: true, UpdateAllowed: true, Description: "The ID of the volume to be attached."),
        ["mountpoint"] = new("string", UpdateAllowed: true, Description: "The location where the volume is exposed on the instance."),
    };

    public override async Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken)
    {
        var server = properties["instance_uuid"]!.ToString();
        var volume = properties["volume_id"]!.ToString();
        var body = new JsonObject { ["volumeId"] = volume };
        if (properties["mountpoint"] is { } device)
            body["device"] = device.DeepClone();
        await context.PostAsync($"compute/v2.1/servers/{server}/os-volume_attachments", new JsonObject { ["volumeAttachment"] = body }, cancellationToken);
        return $"{server}:{volume}";
    }

    public override Task CheckCreateCompleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        VolumeType.WaitForAsync(context, physicalId.Split(':')[1], "in-use", cancellationToken);

    public override async Task UpdateAsync(ResourceContext context, string physicalId, JsonObject before, JsonObject after, IReadOnlySet<string> changed, CancellationToken cancellationToken)
    {
        await DeleteAsync(context, physicalId, cancellationToken);
        context.MovedTo = await CreateAsync(context, after, cancellationToken);
        await CheckCreateCompleteAsync(context, context.MovedTo, cancellationToken);
    }

    public override async Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken)
    {
        var parts = physicalId.Split(':');
        if (parts.Length != 2)
            return;
        await context.DeleteAsync($"compute/v2.1/servers/{parts[0]}/os-volume_attachments/{parts[1]}", cancellationToken);
        await WaitDetachedAsync(context, parts[1], cancellationToken);
    }

    /// <summary>Waits until the volume has left in-use and detaching (Compute finishes a detach in the background).</summary>
    internal static async Task WaitDetachedAsync(ResourceContext context, string volumeId, CancellationToken cancellationToken)
    {
        while ((await context.GetAsync($"volume/v3/{context.ProjectId}/volumes/{volumeId}", cancellationToken))?["volume"]?["status"]?.ToString() is "in-use" or "detaching")
            await context.PollDelayAsync(cancellationToken);
    }
}
