using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Core.Ids;
using CloudBox.Images.Images;
using CloudBox.Images.Import;

namespace CloudBox.Images.Tests;

/// <summary>What a crash leaves behind is put right on the next start, before requests are served.</summary>
public sealed class ImageRecoveryTests(DatabaseEngine engine) : ImagesFixture(engine)
{
    [Test]
    public async Task After_a_crash_cut_uploads_are_queued_again_orphans_are_swept_and_imports_finish()
    {
        var cutUpload = (await CreateRawImageAsync(AdminToken))["id"]!.GetValue<string>();
        var interruptedImport = (await CreateRawImageAsync(AdminToken))["id"]!.GetValue<string>();
        var data = RandomBytes(50_000);
        await PutDataAsync(AdminToken, $"/image/v2/images/{interruptedImport}/stage", data);
        var orphan = Guid.NewGuid().ToString();
        var images = Path.Combine(Cloud.DataDirectory, "images");

        await Cloud.RestartAsync(async () =>
        {
            // The state a kill -9 leaves: one upload half-written, one import task claimed but not done,
            // a temporary file, and a data file whose image row was deleted.
            await using var database = Cloud.OpenDatabase();
            var store = new ImageStore(database);
            var now = Timestamps.ToStorage(DateTimeOffset.UtcNow);
            Assert.That(await store.TransitionAsync(cutUpload, ImageStatus.Queued, ImageStatus.Saving, now, default), Is.True);
            Assert.That(await store.TransitionAsync(interruptedImport, ImageStatus.Uploading, ImageStatus.Importing, now, default), Is.True);
            var input = new JsonObject { ["image_id"] = interruptedImport, ["import_req"] = new JsonObject { ["method"] = new JsonObject { ["name"] = "glance-direct" } } };
            await new TaskStore(database).InsertAsync(new TaskRecord(Guid.NewGuid().ToString(), interruptedImport, "", "api_image_import", "processing", input.ToJsonString(), "", now, now), default);
            Directory.CreateDirectory(Path.Combine(images, "files", cutUpload[..2]));
            await File.WriteAllBytesAsync(Path.Combine(images, "files", cutUpload[..2], cutUpload), data[..100]);
            Directory.CreateDirectory(Path.Combine(images, "files", orphan[..2]));
            await File.WriteAllBytesAsync(Path.Combine(images, "files", orphan[..2], orphan), data);
            await File.WriteAllBytesAsync(Path.Combine(images, "tmp", "leftover"), data);
        });
        AdminToken = await Cloud.AdminTokenAsync();

        var cut = await ShowAsync(AdminToken, cutUpload);
        Assert.That(cut["status"]!.GetValue<string>(), Is.EqualTo("queued"));
        Assert.That(File.Exists(Path.Combine(images, "files", cutUpload[..2], cutUpload)), Is.False);
        Assert.That(File.Exists(Path.Combine(images, "files", orphan[..2], orphan)), Is.False);
        Assert.That(Directory.EnumerateFiles(Path.Combine(images, "tmp")), Is.Empty);

        var deadline = DateTime.UtcNow.AddSeconds(20);
        JsonObject imported;
        do
        {
            imported = await ShowAsync(AdminToken, interruptedImport);
            await Task.Delay(100);
        }
        while (imported["status"]!.GetValue<string>() != "active" && DateTime.UtcNow < deadline);
        Assert.That(imported["status"]!.GetValue<string>(), Is.EqualTo("active"));
        Assert.That(imported["size"]!.GetValue<long>(), Is.EqualTo(data.Length));

        // The upload can simply be retried.
        var retried = await PutDataAsync(AdminToken, $"/image/v2/images/{cutUpload}/file", data);
        Assert.That((int)retried.StatusCode, Is.EqualTo(204));
    }
}
