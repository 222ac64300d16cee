using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Volumes.Tests;

/// <summary>os-volume_upload_image: a volume's data becomes an image of the caller's project; the volume returns to its status, even after a crash.</summary>
public sealed class UploadImageTests(DatabaseEngine engine) : VolumesFixture(engine)
{
    private async Task<string> AvailableVolumeAsync(string? token = null, string? project = null)
    {
        var id = (await CreateVolumeAsync(new() { ["size"] = 1 }, token, project))["id"]!.GetValue<string>();
        Assert.That((await WaitAsync("volumes", id, "available", token, project))["status"]!.GetValue<string>(), Is.EqualTo("available"));
        return id;
    }

    private async Task<(HttpStatusCode Status, JsonNode? Body)> UploadAsync(string volumeId, JsonObject argument, string? token = null, string? project = null) =>
        await CallAsync(HttpMethod.Post, $"volumes/{volumeId}/action", new JsonObject { ["os-volume_upload_image"] = argument }, token, project);

    /// <summary>The first <paramref name="length"/> bytes of the image's data, read as a stream (the image is a whole GiB).</summary>
    private async Task<byte[]> ImageDataAsync(string imageId, int length, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/image/v2/images/{imageId}/file");
        request.Headers.Add("X-Auth-Token", token ?? AdminToken);
        using var response = await Cloud.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await using var stream = await response.Content.ReadAsStreamAsync();
        var data = new byte[length];
        await stream.ReadExactlyAsync(data);
        return data;
    }

    [Test]
    public async Task A_volume_uploaded_as_raw_becomes_an_active_image_of_the_members_project_with_the_volumes_data()
    {
        var (project, token) = await NewMemberAsync();
        var volumeId = await AvailableVolumeAsync(token, project);
        var data = new byte[4096];
        Random.Shared.NextBytes(data);
        await using (var file = new FileStream(VolumeFile(volumeId), FileMode.Open, FileAccess.Write))
        {
            file.Position = 8192;
            await file.WriteAsync(data);
        }

        var (status, body) = await UploadAsync(volumeId, new JsonObject { ["image_name"] = "from-volume", ["force"] = false }, token, project);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var answer = body!["os-volume_upload_image"]!;
        Assert.That(answer["id"]!.GetValue<string>(), Is.EqualTo(volumeId));
        Assert.That(answer["disk_format"]!.GetValue<string>(), Is.EqualTo("raw"));
        Assert.That(answer["container_format"]!.GetValue<string>(), Is.EqualTo("bare"));
        Assert.That(answer["image_name"]!.GetValue<string>(), Is.EqualTo("from-volume"));
        Assert.That(answer["volume_type"]!["name"]!.GetValue<string>(), Is.EqualTo("__DEFAULT__"), "openstackclient reads the type's name from an object");
        var imageId = answer["image_id"]!.GetValue<string>();

        var (shown, image, _) = await Cloud.SendAsync(HttpMethod.Get, $"/image/v2/images/{imageId}", token);
        Assert.That(shown, Is.EqualTo(HttpStatusCode.OK), "the member's own project owns the image");
        Assert.That(image!["status"]!.GetValue<string>(), Is.EqualTo("active"));
        Assert.That(image["disk_format"]!.GetValue<string>(), Is.EqualTo("raw"));
        Assert.That(image["owner"]!.GetValue<string>(), Is.EqualTo(project));
        Assert.That(image["size"]!.GetValue<long>(), Is.EqualTo(1L << 30));
        var content = await ImageDataAsync(imageId, 8192 + 4096, token);
        Assert.That(content.AsSpan(8192, 4096).ToArray(), Is.EqualTo(data));
        Assert.That((await WaitAsync("volumes", volumeId, "available", token, project))["status"]!.GetValue<string>(), Is.EqualTo("available"));
    }

    [Test]
    public async Task A_volume_uploaded_as_qcow2_is_converted_and_an_unknown_format_is_refused()
    {
        var volumeId = await AvailableVolumeAsync();
        var (refused, fault) = await UploadAsync(volumeId, new JsonObject { ["image_name"] = "vmdk", ["disk_format"] = "vmdk" });
        Assert.That(refused, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(fault!["badRequest"]!["message"]!.GetValue<string>(), Does.Contain("raw or qcow2"));
        var (noName, _) = await UploadAsync(volumeId, new JsonObject { ["disk_format"] = "raw" });
        Assert.That(noName, Is.EqualTo(HttpStatusCode.BadRequest));

        // qemu-img is part of the host's dependencies (volumes from qcow2 images need it too).
        var (status, body) = await UploadAsync(volumeId, new JsonObject { ["image_name"] = "small", ["disk_format"] = "qcow2", ["container_format"] = "bare" });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var imageId = body!["os-volume_upload_image"]!["image_id"]!.GetValue<string>();
        var (_, image, _) = await Cloud.SendAsync(HttpMethod.Get, $"/image/v2/images/{imageId}", AdminToken);
        Assert.That(image!["disk_format"]!.GetValue<string>(), Is.EqualTo("qcow2"));
        Assert.That(image["size"]!.GetValue<long>(), Is.LessThan(1L << 20), "an empty 1 GiB volume is a small qcow2 file");
        Assert.That(await ImageDataAsync(imageId, 4), Is.EqualTo(new byte[] { (byte)'Q', (byte)'F', (byte)'I', 0xfb }), "the data is a qcow2 file");
    }

    [Test]
    public async Task An_attached_volume_is_uploaded_only_with_force_and_is_in_use_again_afterwards()
    {
        var volumeId = await AvailableVolumeAsync();
        await CallAsync(HttpMethod.Post, $"volumes/{volumeId}/action", new JsonObject { ["os-reserve"] = new JsonObject() });
        await CallAsync(HttpMethod.Post, $"volumes/{volumeId}/action", new JsonObject { ["os-attach"] = new JsonObject { ["instance_uuid"] = Guid.NewGuid().ToString(), ["mountpoint"] = "/dev/vdb" } });
        Assert.That((await WaitAsync("volumes", volumeId, "in-use"))["status"]!.GetValue<string>(), Is.EqualTo("in-use"));

        var (refused, fault) = await UploadAsync(volumeId, new JsonObject { ["image_name"] = "attached" });
        Assert.That(refused, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(fault!["badRequest"]!["message"]!.GetValue<string>(), Does.Contain("needs force"));
        var (status, body) = await UploadAsync(volumeId, new JsonObject { ["image_name"] = "attached", ["force"] = true });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        Assert.That((await CallAsync(HttpMethod.Get, $"volumes/{volumeId}")).Body!["volume"]!["status"]!.GetValue<string>(), Is.EqualTo("in-use"));
    }

    [Test]
    public async Task Volumes_a_crash_left_uploading_are_back_in_their_status_after_a_restart()
    {
        var detached = await AvailableVolumeAsync();
        var attached = await AvailableVolumeAsync();
        await CallAsync(HttpMethod.Post, $"volumes/{attached}/action", new JsonObject { ["os-reserve"] = new JsonObject() });
        await CallAsync(HttpMethod.Post, $"volumes/{attached}/action", new JsonObject { ["os-attach"] = new JsonObject { ["instance_uuid"] = Guid.NewGuid().ToString(), ["mountpoint"] = "/dev/vdb" } });
        await WaitAsync("volumes", attached, "in-use");

        await Cloud.RestartAsync(async () =>
        {
            // What a kill -9 in the middle of the uploads leaves: both volumes uploading.
            await using var database = Cloud.OpenDatabase();
            await using var connection = await database.OpenAsync();
            await connection.ExecuteAsync("UPDATE volumes_volumes SET status = 'uploading' WHERE id IN (@detached, @attached)", new { detached, attached });
        });
        await RefreshAdminAsync();

        Assert.That((await CallAsync(HttpMethod.Get, $"volumes/{detached}")).Body!["volume"]!["status"]!.GetValue<string>(), Is.EqualTo("available"));
        Assert.That((await CallAsync(HttpMethod.Get, $"volumes/{attached}")).Body!["volume"]!["status"]!.GetValue<string>(), Is.EqualTo("in-use"));
    }
}
