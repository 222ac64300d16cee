using CloudBox.Core.Data;
using CloudBox.Objects.Maintenance;
using CloudBox.Objects.Storage;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Objects.Tests.Swift;

public class MaintenanceTests(DatabaseEngine engine) : SwiftFixture(engine)
{
    [Test]
    public async Task TheAuditorReportsObjectsWhoseBytesChangedOrVanished()
    {
        var container = await CreateContainerAsync();
        // Large bodies live in files, small ones inline in their database row: damage both kinds.
        var large = new string('x', BlobStore.InlineMaxBytes + 1);
        await PutObjectAsync(container, "healthy", large);
        await PutObjectAsync(container, "healthy-small", "fine");
        await PutObjectAsync(container, "rotten", large);
        await PutObjectAsync(container, "lost", large);
        await PutObjectAsync(container, "rotten-small", "original bytes");
        await PutObjectAsync(container, "lost-small", "gone soon");
        var store = Cloud.Services.GetRequiredService<ObjectStore>();
        var blobs = Cloud.Services.GetRequiredService<BlobStore>();
        async Task<string> BlobOf(string name) => (await store.FindObjectAsync(AdminProjectId, container, name, CancellationToken.None))!.PartList()[0].BlobId;
        await File.WriteAllTextAsync(blobs.PathOf(await BlobOf("rotten")), "flipped bytes!");
        File.Delete(blobs.PathOf(await BlobOf("lost")));
        await using (var connection = await Cloud.OpenDatabase().OpenAsync())
        {
            await connection.ExecuteAsync("UPDATE objects_blobs SET data = @data WHERE blob_id = @id", new { data = "flipped bytes!"u8.ToArray(), id = await BlobOf("rotten-small") });
            await connection.ExecuteAsync("DELETE FROM objects_blobs WHERE blob_id = @id", new { id = await BlobOf("lost-small") });
        }

        var auditor = Cloud.Services.GetRequiredService<ObjectAuditor>();
        var before = auditor.Mismatches;
        var damaged = await auditor.RunOnceAsync(CancellationToken.None);
        Assert.That(damaged, Is.EquivalentTo(new[] { "rotten", "lost", "rotten-small", "lost-small" }.Select(n => $"{AdminProjectId}/{container}/{n}")));
        Assert.That(auditor.Mismatches - before, Is.EqualTo(4));
    }

    [Test]
    public async Task SmallObjectsLiveInTheirRowAndLargeOnesInFiles()
    {
        var container = await CreateContainerAsync();
        var small = new string('s', BlobStore.InlineMaxBytes);
        var large = new string('l', BlobStore.InlineMaxBytes + 1);
        await PutObjectAsync(container, "small", small);
        await PutObjectAsync(container, "large", large);
        var blobFiles = Directory.EnumerateFiles(Path.Combine(Cloud.DataDirectory, "objects", "blobs"), "*", SearchOption.AllDirectories).ToList();
        Assert.That(blobFiles, Has.Count.EqualTo(1), "only the large object has a file");
        Assert.That(await GetTextAsync($"{Account}/{container}/small", AdminToken), Is.EqualTo(small));
        Assert.That(await GetTextAsync($"{Account}/{container}/large", AdminToken), Is.EqualTo(large));
        using (var range = await SendAsync("GET", $"{Account}/{container}/small", AdminToken, headers: [("Range", "bytes=10-19")]))
            Assert.That(((int)range.StatusCode, await range.Content.ReadAsStringAsync()), Is.EqualTo((206, small[10..20])));

        // Replacing a small object by a large one drops the old row's bytes; and back again unlinks the file.
        await PutObjectAsync(container, "small", large);
        await PutObjectAsync(container, "large", small);
        Assert.That(await GetTextAsync($"{Account}/{container}/small", AdminToken), Is.EqualTo(large));
        Assert.That(await GetTextAsync($"{Account}/{container}/large", AdminToken), Is.EqualTo(small));
        await using var connection = await Cloud.OpenDatabase().OpenAsync();
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM objects_blobs"), Is.EqualTo(2), "replaced blobs are released");
        Assert.That(await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM objects_blobs WHERE data IS NOT NULL"), Is.EqualTo(1));
        Assert.That(Directory.EnumerateFiles(Path.Combine(Cloud.DataDirectory, "objects", "blobs"), "*", SearchOption.AllDirectories).Count(), Is.EqualTo(1));
    }

    [Test]
    public async Task TheSweeperDeletesOnlyBlobsNoRowNames()
    {
        var container = await CreateContainerAsync();
        await PutObjectAsync(container, "kept", "keep me");
        var blobs = Cloud.Services.GetRequiredService<BlobStore>();
        // A crash between the rename and the commit leaves exactly this: a durable blob no row names.
        var body = new byte[BlobStore.InlineMaxBytes + 1];
        var orphan = await blobs.WriteAsync(new MemoryStream(body), body.Length, body.Length, CancellationToken.None);
        Assert.That(blobs.Exists(orphan.BlobId), Is.True);

        var sweeper = Cloud.Services.GetRequiredService<BlobSweeper>();
        Assert.That(await sweeper.RunOnceAsync(DateTime.UtcNow.AddHours(-1), CancellationToken.None), Is.EqualTo(0), "young blobs are left alone");
        await sweeper.RunOnceAsync(DateTime.UtcNow.AddMinutes(1), CancellationToken.None);
        Assert.That(blobs.Exists(orphan.BlobId), Is.False);
        Assert.That(await GetTextAsync($"{Account}/{container}/kept", AdminToken), Is.EqualTo("keep me"));
    }
}
