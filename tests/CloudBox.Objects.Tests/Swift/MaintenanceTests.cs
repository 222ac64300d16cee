using CloudBox.Core.Data;
using CloudBox.Objects.Maintenance;
using CloudBox.Objects.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Objects.Tests.Swift;

public class MaintenanceTests(DatabaseEngine engine) : SwiftFixture(engine)
{
    [Test]
    public async Task TheAuditorReportsObjectsWhoseBytesChangedOrVanished()
    {
        var container = await CreateContainerAsync();
        await PutObjectAsync(container, "healthy", "fine");
        await PutObjectAsync(container, "rotten", "original bytes");
        await PutObjectAsync(container, "lost", "gone soon");
        var store = Cloud.Services.GetRequiredService<ObjectStore>();
        var blobs = Cloud.Services.GetRequiredService<BlobStore>();
        var rotten = (await store.FindObjectAsync(AdminProjectId, container, "rotten", CancellationToken.None))!;
        await File.WriteAllTextAsync(blobs.PathOf(rotten.PartList()[0].BlobId), "flipped bytes!");
        var lost = (await store.FindObjectAsync(AdminProjectId, container, "lost", CancellationToken.None))!;
        File.Delete(blobs.PathOf(lost.PartList()[0].BlobId));

        var auditor = Cloud.Services.GetRequiredService<ObjectAuditor>();
        var before = auditor.Mismatches;
        var damaged = await auditor.RunOnceAsync(CancellationToken.None);
        Assert.That(damaged, Is.EquivalentTo(new[] { $"{AdminProjectId}/{container}/rotten", $"{AdminProjectId}/{container}/lost" }));
        Assert.That(auditor.Mismatches - before, Is.EqualTo(2));
    }

    [Test]
    public async Task TheSweeperDeletesOnlyBlobsNoRowNames()
    {
        var container = await CreateContainerAsync();
        await PutObjectAsync(container, "kept", "keep me");
        var blobs = Cloud.Services.GetRequiredService<BlobStore>();
        // A crash between the rename and the commit leaves exactly this: a durable blob no row names.
        var orphan = await blobs.WriteAsync(new MemoryStream("orphan"u8.ToArray()), 6, 100, CancellationToken.None);

        var sweeper = Cloud.Services.GetRequiredService<BlobSweeper>();
        Assert.That(await sweeper.RunOnceAsync(DateTime.UtcNow.AddHours(-1), CancellationToken.None), Is.EqualTo(0), "young blobs are left alone");
        await sweeper.RunOnceAsync(DateTime.UtcNow.AddMinutes(1), CancellationToken.None);
        Assert.That(blobs.Exists(orphan.BlobId), Is.False);
        Assert.That(await GetTextAsync($"{Account}/{container}/kept", AdminToken), Is.EqualTo("keep me"));
    }
}
