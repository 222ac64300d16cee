using CloudBox.Core.Data;
using CloudBox.Volumes.Volumes;

namespace CloudBox.Volumes.Tests;

/// <summary>Work a crash interrupted is found again and finished; nothing is stuck.</summary>
public sealed class VolumeRecoveryTests(DatabaseEngine engine) : VolumesFixture(engine)
{
    [Test]
    public async Task Volumes_left_creating_extending_or_deleting_are_finished_after_a_restart()
    {
        var creating = (await CreateVolumeAsync(new() { ["size"] = 1 }))["id"]!.GetValue<string>();
        var extending = (await CreateVolumeAsync(new() { ["size"] = 1 }))["id"]!.GetValue<string>();
        var deleting = (await CreateVolumeAsync(new() { ["size"] = 1 }))["id"]!.GetValue<string>();
        foreach (var id in new[] { creating, extending, deleting })
            await WaitAsync("volumes", id, "available");

        await Cloud.RestartAsync(async () =>
        {
            // What a kill -9 mid-work leaves: rows in a working status, a half-built file, a temporary file.
            await using var database = Cloud.OpenDatabase();
            var volumes = new VolumeStore(database);
            await SetAsync(volumes, creating, v => v.Status = VolumeStatus.Creating);
            File.Delete(VolumeFile(creating));
            await SetAsync(volumes, extending, v => { v.Status = VolumeStatus.Extending; v.RequestedSizeGb = 2; });
            await SetAsync(volumes, deleting, v => v.Status = VolumeStatus.Deleting);
            await File.WriteAllTextAsync(Path.Combine(Cloud.DataDirectory, "volumes", "tmp", "half-written"), "x");
        });
        await RefreshAdminAsync();

        Assert.That((await WaitAsync("volumes", creating, "available"))["status"]!.GetValue<string>(), Is.EqualTo("available"));
        Assert.That(File.Exists(VolumeFile(creating)), Is.True);
        var extended = await WaitAsync("volumes", extending, "available");
        Assert.That(extended["size"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(new FileInfo(VolumeFile(extending)).Length, Is.EqualTo(2L << 30));
        await WaitAsync("volumes", deleting, "gone");
        Assert.That(File.Exists(VolumeFile(deleting)), Is.False);
        Assert.That(Directory.EnumerateFiles(Path.Combine(Cloud.DataDirectory, "volumes", "tmp")), Is.Empty);
    }

    private static async Task SetAsync(VolumeStore volumes, string id, Action<VolumeRecord> change)
    {
        var volume = (await volumes.FindAsync(id, default))!;
        var from = volume.Status;
        change(volume);
        Assert.That(await volumes.UpdateAsync(volume, from, default), Is.True);
    }
}
