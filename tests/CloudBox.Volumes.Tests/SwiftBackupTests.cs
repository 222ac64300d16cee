using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Core.Modules;
using CloudBox.Objects;

namespace CloudBox.Volumes.Tests;

/// <summary>Backups into the object store when the Objects module runs: objects a Swift client of the owner's project lists and reads.</summary>
public sealed class SwiftBackupTests(DatabaseEngine engine) : BackupScenarios(engine)
{
    protected override string ExpectedBackend => "swift";

    protected override ICloudModule[] ExtraModules() => [new ObjectsModule()];

    protected override async Task<IReadOnlyList<string>> StoredObjectsAsync(string project, string container)
    {
        var (status, body, _) = await Cloud.SendAsync(HttpMethod.Get, $"/object-store/v1/AUTH_{project}/{container}?format=json", AdminToken);
        if (status == HttpStatusCode.NotFound)
            return [];
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        return body!.AsArray().Select(o => o!["name"]!.GetValue<string>()).ToList();
    }

    protected override async Task RemoveObjectAsync(string project, string container, string name)
    {
        var (status, _, _) = await Cloud.SendAsync(HttpMethod.Delete, $"/object-store/v1/AUTH_{project}/{container}/{name}", AdminToken);
        Assert.That(status, Is.EqualTo(HttpStatusCode.NoContent));
    }

    [Test]
    public async Task A_members_backup_lands_in_its_own_projects_account_and_not_in_files()
    {
        var (project, token) = await NewMemberAsync();
        var volumeId = await NewVolumeAsync(1, token, project);
        var data = RandomBlock();
        await WriteAsync(volumeId, 5L << 20, data);
        var backupId = await BackUpAsync(new JsonObject { ["volume_id"] = volumeId }, token, project);

        var (status, body, _) = await Cloud.SendAsync(HttpMethod.Get, $"/object-store/v1/AUTH_{project}/volumebackups?format=json", token);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), "the member itself lists the container");
        var objects = body!.AsArray().Select(o => o!).ToList();
        Assert.That(objects.Select(o => o["name"]!.GetValue<string>()), Has.Member($"{objects[0]["name"]!.GetValue<string>().Split("/az_")[0]}/az_nova_backup_{backupId}-00006"));
        var chunk = objects.Single(o => o["name"]!.GetValue<string>().EndsWith("-00006"));
        Assert.That(chunk["bytes"]!.GetValue<long>(), Is.EqualTo(BackupChunkBytes));
        var (read, _, response) = await Cloud.SendAsync(HttpMethod.Get, $"/object-store/v1/AUTH_{project}/volumebackups/{chunk["name"]!.GetValue<string>()}", token);
        Assert.That(read, Is.EqualTo(HttpStatusCode.OK));
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.That(bytes.AsSpan(0, 4096).ToArray(), Is.EqualTo(data));
        Assert.That(Directory.Exists(Path.Combine(Cloud.DataDirectory, "volumes", "backups", project)), Is.False, "with an object store nothing goes to files");
        Assert.That(await StoredObjectsAsync(AdminProject, "volumebackups"), Has.None.Contains(backupId), "the admin's account holds none of it");
    }
}
