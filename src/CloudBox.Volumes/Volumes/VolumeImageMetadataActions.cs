using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Ids;
using CloudBox.Volumes.Api;
using CloudBox.Volumes.Data;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Volumes.Volumes;

/// <summary>
/// The image metadata of a volume (<c>volume_image_metadata</c>: what Nova and Glance read about
/// the image a volume holds): <c>os-set_image_metadata</c> merges keys
/// (<c>openstack volume set --image-property</c>), <c>os-unset_image_metadata</c> removes one
/// (<c>openstack volume unset --image-property</c>), <c>os-show_image_metadata</c> reads them.
/// </summary>
public static class VolumeImageMetadataActions
{
    public const string Set = "os-set_image_metadata";
    public const string Unset = "os-unset_image_metadata";
    public const string Show = "os-show_image_metadata";

    public static readonly string[] Names = [Set, Unset, Show];

    public static async Task<IResult> RunAsync(string action, JsonNode? argument, VolumeRecord volume, HttpContext context, CancellationToken cancellationToken)
    {
        var metadata = VolumesJson.ReadMap(volume.ImageMetadata);
        switch (action)
        {
            case Show:
                return JsonBody.Node(new JsonObject { ["metadata"] = VolumeJson.Map(volume.ImageMetadata) });
            case Set:
            {
                var given = VolumesRequest.OptionalMap(Arguments(argument, action), "metadata")
                    ?? throw ApiFault.BadRequest("os-set_image_metadata needs 'metadata'.");
                foreach (var (key, value) in given)
                    metadata[key] = value;
                await SaveAsync(volume, metadata, context, cancellationToken);
                return JsonBody.Node(new JsonObject { ["metadata"] = VolumeJson.Map(volume.ImageMetadata) });
            }
            default:
            {
                var key = VolumesRequest.OptionalString(Arguments(argument, action), "key") ?? throw ApiFault.BadRequest("os-unset_image_metadata needs 'key'.");
                if (!metadata.Remove(key))
                    throw ApiFault.NotFound($"Glance metadata for volume {volume.Id} with key {key} could not be found.");
                await SaveAsync(volume, metadata, context, cancellationToken);
                return Results.Ok();
            }
        }
    }

    private static JsonObject Arguments(JsonNode? argument, string action) =>
        argument as JsonObject ?? throw ApiFault.BadRequest($"The {action} action needs an object argument.");

    private static async Task SaveAsync(VolumeRecord volume, Dictionary<string, string> metadata, HttpContext context, CancellationToken cancellationToken)
    {
        volume.ImageMetadata = VolumesJson.WriteMap(metadata);
        volume.UpdatedAt = Timestamps.ToStorage(context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow());
        if (!await context.RequestServices.GetRequiredService<VolumeStore>().UpdateAsync(volume, volume.Status, cancellationToken))
            throw ApiFault.Conflict($"Volume {volume.Id} changed while its image metadata was being updated; retry.");
    }
}
