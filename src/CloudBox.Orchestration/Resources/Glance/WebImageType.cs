using System.Text;
using System.Text.Json.Nodes;

namespace CloudBox.Orchestration.Resources.Glance;

/// <summary>
/// <c>OS::Glance::WebImage</c>: an image whose data Images imports from a URL (Glance's
/// <c>web-download</c>); the resource is complete when the image is active and fails with the
/// import's message otherwise. Its metadata changes in place (a JSON patch); a new location or
/// format replaces the image.
/// </summary>
internal sealed class WebImageType : ResourceType
{
    private const string PatchMediaType = "application/openstack-images-v2.1-json-patch";

    /// <summary>Image properties that are plain metadata, set by a JSON patch as they change.</summary>
    private static readonly string[] Metadata = ["name", "min_disk", "min_ram", "protected", "visibility", "architecture", "os_distro", "os_version", "owner", "kernel_id", "ramdisk_id"];

    public override string Name => "OS::Glance::WebImage";

    public override string Description => "An image imported by Images from a URL.";

    public override IReadOnlyDictionary<string, PropertySchema> Properties { get; } = new Dictionary<string, PropertySchema>
    {
        ["location"] = new("string", Required: true, Description: "The http or https URL the image's data is downloaded from."),
        ["disk_format"] = new("string", Required: true, Description: "Disk format of the image (raw, qcow2, iso, vmdk, vdi, vhd, vhdx, ami, ari, aki, ploop)."),
        ["container_format"] = new("string", Required: true, Description: "Container format of the image (bare, ovf, ova, ami, ari, aki, docker, compressed)."),
        ["name"] = new("string", UpdateAllowed: true, Description: "Name of the image; a unique one is made when it is left out."),
        ["id"] = new("string", Description: "The image id to use; one is generated when it is left out."),
        ["min_disk"] = new("integer", UpdateAllowed: true, Description: "Disk space (GB) the image needs to boot.", Default: 0),
        ["min_ram"] = new("integer", UpdateAllowed: true, Description: "Memory (MB) the image needs to boot.", Default: 0),
        ["protected"] = new("boolean", UpdateAllowed: true, Description: "Whether the image cannot be deleted.", Default: false),
        ["visibility"] = new("string", UpdateAllowed: true, Description: "Who sees the image: public, private, shared or community.", Default: "private"),
        ["tags"] = new("list", UpdateAllowed: true, Description: "Tags of the image."),
        ["architecture"] = new("string", UpdateAllowed: true, Description: "CPU architecture the image is built for."),
        ["os_distro"] = new("string", UpdateAllowed: true, Description: "The operating system distribution in the image."),
        ["os_version"] = new("string", UpdateAllowed: true, Description: "The operating system version in the image."),
        ["owner"] = new("string", UpdateAllowed: true, Description: "The project that owns the image."),
        ["kernel_id"] = new("string", UpdateAllowed: true, Description: "The id of the kernel image of an AMI-style image."),
        ["ramdisk_id"] = new("string", UpdateAllowed: true, Description: "The id of the ramdisk image of an AMI-style image."),
        ["extra_properties"] = new("map", UpdateAllowed: true, Description: "More key/value properties of the image."),
    };

    public override IReadOnlyDictionary<string, string> Attributes { get; } = new Dictionary<string, string>
    {
        ["status"] = "The image's status.",
        ["checksum"] = "The MD5 checksum of the image's data.",
        ["size"] = "The size of the image's data in bytes.",
        ["name"] = "The image's name.",
        ["tags"] = "The image's tags.",
        ["visibility"] = "The image's visibility.",
        ["show"] = "Detailed information about the resource.",
    };

    private static string Url(string id) => $"image/v2/images/{Uri.EscapeDataString(id)}";

    public override async Task<string> CreateAsync(ResourceContext context, JsonObject properties, CancellationToken cancellationToken)
    {
        var image = new JsonObject
        {
            ["name"] = properties["name"]?.ToString() ?? context.Stamp,
            ["disk_format"] = properties["disk_format"]!.ToString(),
            ["container_format"] = properties["container_format"]!.ToString(),
            ["min_disk"] = properties["min_disk"]?.GetValue<long>() ?? 0,
            ["min_ram"] = properties["min_ram"]?.GetValue<long>() ?? 0,
            ["protected"] = properties["protected"]?.GetValue<bool>() ?? false,
            ["visibility"] = properties["visibility"]?.ToString() ?? "private",
        };
        if (properties["id"]?.ToString() is { Length: > 0 } id)
            image["id"] = id;
        if (properties["tags"] is JsonArray tags)
            image["tags"] = tags.DeepClone();
        foreach (var key in Metadata.Skip(5))
        {
            if (properties[key]?.ToString() is { Length: > 0 } value)
                image[key] = value;
        }
        foreach (var (key, value) in properties["extra_properties"] as JsonObject ?? [])
            image[key] = Templates.TemplateFunctions.PlainText(value);
        var created = await context.PostAsync("image/v2/images", image, cancellationToken);
        var imageId = created?["id"]?.ToString() ?? throw new ResourceFailure("The image was created without an id.");
        context.Data["location"] = properties["location"]!.ToString();
        return imageId;
    }

    /// <summary>
    /// Starts the import once (an image still queued with no import asked) and waits for the image to
    /// be active; a resume after a crash picks up where the import is.
    /// </summary>
    public override async Task CheckCreateCompleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken)
    {
        var started = false;
        while (true)
        {
            var image = await context.GetAsync(Url(physicalId), cancellationToken) ?? throw new ResourceFailure($"The image {physicalId} could not be found.");
            var status = image["status"]?.ToString();
            if (status == "active")
                return;
            if (status is "killed" or "deleted" or "deactivated")
                throw new ResourceFailure($"The image {physicalId} is {status}.");
            if (status == "queued")
            {
                var tasks = (await context.GetAsync($"{Url(physicalId)}/tasks", cancellationToken))?["tasks"] as JsonArray ?? [];
                if (tasks.FirstOrDefault(t => t?["status"]?.ToString() == "failure") is { } failed)
                    throw new ResourceFailure($"Importing the image from {context.Data["location"]} failed: {failed["message"]}");
                if (!started && tasks.Count == 0)
                {
                    await context.PostAsync($"{Url(physicalId)}/import", new JsonObject
                    {
                        ["method"] = new JsonObject { ["name"] = "web-download", ["uri"] = context.Data["location"]?.ToString() },
                    }, cancellationToken);
                    started = true;
                    continue;
                }
            }
            await context.PollDelayAsync(cancellationToken);
        }
    }

    public override async Task UpdateAsync(ResourceContext context, string physicalId, JsonObject before, JsonObject after, IReadOnlySet<string> changed, CancellationToken cancellationToken)
    {
        var patch = new JsonArray();
        foreach (var key in Metadata.Where(changed.Contains))
        {
            if (after[key] is { } value)
                patch.Add(new JsonObject { ["op"] = "add", ["path"] = $"/{key}", ["value"] = key is "name" or "visibility" ? value.ToString() : value.DeepClone() });
            else if (key == "name")
                patch.Add(new JsonObject { ["op"] = "replace", ["path"] = "/name", ["value"] = context.Stamp });
            else if (Properties[key].Default is { } reset)
                patch.Add(new JsonObject { ["op"] = "replace", ["path"] = $"/{key}", ["value"] = JsonValue.Create(reset) });
            else if (before[key] is not null)
                patch.Add(new JsonObject { ["op"] = "remove", ["path"] = $"/{key}" });
        }
        if (changed.Contains("tags"))
            patch.Add(new JsonObject { ["op"] = "replace", ["path"] = "/tags", ["value"] = after["tags"]?.DeepClone() ?? new JsonArray() });
        if (changed.Contains("extra_properties"))
        {
            var old = before["extra_properties"] as JsonObject ?? [];
            var wanted = after["extra_properties"] as JsonObject ?? [];
            foreach (var (key, _) in old)
            {
                if (!wanted.ContainsKey(key))
                    patch.Add(new JsonObject { ["op"] = "remove", ["path"] = $"/{key}" });
            }
            foreach (var (key, value) in wanted)
                patch.Add(new JsonObject { ["op"] = "add", ["path"] = $"/{key}", ["value"] = Templates.TemplateFunctions.PlainText(value) });
        }
        if (patch.Count == 0)
            return;
        using var request = new HttpRequestMessage(HttpMethod.Patch, Url(physicalId))
        {
            Content = new StringContent(patch.ToJsonString(), Encoding.UTF8, PatchMediaType),
        };
        using var response = await context.Api.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new ResourceFailure($"Updating image {physicalId}: HTTP {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
    }

    public override Task DeleteAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken) =>
        context.DeleteAsync(Url(physicalId), cancellationToken);

    public override async Task<JsonNode?> AttributeAsync(ResourceContext context, string physicalId, string name, CancellationToken cancellationToken)
    {
        var image = await context.GetAsync(Url(physicalId), cancellationToken);
        return Shown(image, name);
    }

    public override async Task<string?> CheckAsync(ResourceContext context, string physicalId, CancellationToken cancellationToken)
    {
        var image = await context.GetAsync(Url(physicalId), cancellationToken) ?? throw new ResourceFailure($"The image {physicalId} could not be found.");
        return image["status"]?.ToString() == "active" ? null : throw new ResourceFailure($"The image {physicalId} is {image["status"]}.");
    }

    /// <summary>An image named by its stamp (no name given) is found again after a crash.</summary>
    public override async Task<string?> FindAsync(ResourceContext context, CancellationToken cancellationToken)
    {
        var list = await context.GetAsync($"image/v2/images?name={Uri.EscapeDataString(context.Stamp)}", cancellationToken);
        return (list?["images"] as JsonArray)?.FirstOrDefault()?["id"]?.ToString();
    }
}
