using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Volumes.Tests;

/// <summary>volume_image_metadata: recorded from the image, set, unset and shown through the volume actions, carried to clones and to uploaded images.</summary>
public sealed class ImageMetadataTests(DatabaseEngine engine) : VolumesFixture(engine)
{
    private Task<(HttpStatusCode Status, JsonNode? Body)> ActAsync(string volumeId, string action, JsonNode? argument, string? token = null, string? project = null) =>
        CallAsync(HttpMethod.Post, $"volumes/{volumeId}/action", new JsonObject { [action] = argument }, token, project);

    private async Task<JsonObject> ShowAsync(string volumeId, string? token = null, string? project = null) =>
        (await CallAsync(HttpMethod.Get, $"volumes/{volumeId}", token: token, project: project)).Body!["volume"]!.AsObject();

    [Test]
    public async Task A_volume_from_an_image_records_its_metadata_and_a_member_sets_and_unsets_keys()
    {
        var (project, token) = await NewMemberAsync();
        var imageName = Unique("img");
        var imageId = await Cloud.UploadImageAsync(token, new JsonObject { ["name"] = imageName, ["disk_format"] = "raw", ["container_format"] = "bare", ["os_distro"] = "debian" }, new byte[1 << 20]);
        var volumeId = (await CreateVolumeAsync(new() { ["imageRef"] = imageId }, token, project))["id"]!.GetValue<string>();
        await WaitAsync("volumes", volumeId, "available", token, project);
        var recorded = (await ShowAsync(volumeId, token, project))["volume_image_metadata"]!;
        Assert.That(recorded["image_id"]!.GetValue<string>(), Is.EqualTo(imageId));
        Assert.That(recorded["image_name"]!.GetValue<string>(), Is.EqualTo(imageName));
        Assert.That(recorded["os_distro"]!.GetValue<string>(), Is.EqualTo("debian"));

        var (set, body) = await ActAsync(volumeId, "os-set_image_metadata", new JsonObject { ["metadata"] = new JsonObject { ["hw_disk_bus"] = "scsi", ["os_distro"] = "ubuntu" } }, token, project);
        Assert.That(set, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        Assert.That(body!["metadata"]!["hw_disk_bus"]!.GetValue<string>(), Is.EqualTo("scsi"));
        Assert.That(body["metadata"]!["image_id"]!.GetValue<string>(), Is.EqualTo(imageId), "the answer holds all the keys");
        Assert.That((await ShowAsync(volumeId, token, project))["volume_image_metadata"]!["os_distro"]!.GetValue<string>(), Is.EqualTo("ubuntu"));

        var (unset, _) = await ActAsync(volumeId, "os-unset_image_metadata", new JsonObject { ["key"] = "hw_disk_bus" }, token, project);
        Assert.That(unset, Is.EqualTo(HttpStatusCode.OK));
        var (shown, all) = await ActAsync(volumeId, "os-show_image_metadata", null, token, project);
        Assert.That(shown, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(all!["metadata"]!.AsObject().ContainsKey("hw_disk_bus"), Is.False);
        Assert.That(all["metadata"]!["os_distro"]!.GetValue<string>(), Is.EqualTo("ubuntu"));

        var (missing, fault) = await ActAsync(volumeId, "os-unset_image_metadata", new JsonObject { ["key"] = "hw_disk_bus" }, token, project);
        Assert.That(missing, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(fault!["itemNotFound"]!["message"]!.GetValue<string>(), Does.Contain("with key hw_disk_bus could not be found"));
        var (badMetadata, _) = await ActAsync(volumeId, "os-set_image_metadata", new JsonObject { ["metadata"] = "not a map" }, token, project);
        Assert.That(badMetadata, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task A_plain_volume_shows_image_metadata_once_it_is_given_some_and_clones_and_uploaded_images_carry_it()
    {
        var volumeId = (await CreateVolumeAsync(new() { ["size"] = 1 }))["id"]!.GetValue<string>();
        await WaitAsync("volumes", volumeId, "available");
        Assert.That((await ShowAsync(volumeId)).ContainsKey("volume_image_metadata"), Is.False, "a blank volume has no image metadata");
        await ActAsync(volumeId, "os-set_image_metadata", new JsonObject { ["metadata"] = new JsonObject { ["hw_qemu_guest_agent"] = "yes" } });
        Assert.That((await ShowAsync(volumeId))["volume_image_metadata"]!["hw_qemu_guest_agent"]!.GetValue<string>(), Is.EqualTo("yes"));

        var cloneId = (await CreateVolumeAsync(new() { ["source_volid"] = volumeId }))["id"]!.GetValue<string>();
        await WaitAsync("volumes", cloneId, "available");
        Assert.That((await ShowAsync(cloneId))["volume_image_metadata"]!["hw_qemu_guest_agent"]!.GetValue<string>(), Is.EqualTo("yes"));

        var (uploaded, body) = await ActAsync(volumeId, "os-volume_upload_image", new JsonObject { ["image_name"] = Unique("up"), ["disk_format"] = "qcow2" });
        Assert.That(uploaded, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var (_, image, _) = await Cloud.SendAsync(HttpMethod.Get, $"/image/v2/images/{body!["os-volume_upload_image"]!["image_id"]!.GetValue<string>()}", AdminToken);
        Assert.That(image!["hw_qemu_guest_agent"]!.GetValue<string>(), Is.EqualTo("yes"), "the new image carries the volume's image properties");
    }
}
