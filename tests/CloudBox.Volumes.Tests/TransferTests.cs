using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;

namespace CloudBox.Volumes.Tests;

/// <summary>os-volume-transfer: a volume and its snapshots move to the project that presents the key, with the quotas.</summary>
public sealed class TransferTests(DatabaseEngine engine) : VolumesFixture(engine)
{
    private async Task<string> AvailableVolumeAsync(string token, string project)
    {
        var id = (await CreateVolumeAsync(new() { ["size"] = 1 }, token, project))["id"]!.GetValue<string>();
        Assert.That((await WaitAsync("volumes", id, "available", token, project))["status"]!.GetValue<string>(), Is.EqualTo("available"));
        return id;
    }

    private async Task<JsonObject> OfferAsync(string volumeId, string token, string project)
    {
        var (status, body) = await CallAsync(HttpMethod.Post, "os-volume-transfer", new JsonObject { ["transfer"] = new JsonObject { ["volume_id"] = volumeId, ["name"] = "gift" } }, token, project);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        return body!["transfer"]!.AsObject();
    }

    private Task<(HttpStatusCode Status, JsonNode? Body)> AcceptAsync(string transferId, string key, string token, string project) =>
        CallAsync(HttpMethod.Post, $"os-volume-transfer/{transferId}/accept", new JsonObject { ["accept"] = new JsonObject { ["auth_key"] = key } }, token, project);

    [Test]
    public async Task Accepting_with_the_key_moves_the_volume_its_snapshots_and_their_quota_to_the_other_project()
    {
        var (donor, donorToken) = await NewMemberAsync();
        var (recipient, recipientToken) = await NewMemberAsync();
        var volumeId = await AvailableVolumeAsync(donorToken, donor);
        var (_, snapshot) = await CallAsync(HttpMethod.Post, "snapshots", new JsonObject { ["snapshot"] = new JsonObject { ["volume_id"] = volumeId } }, donorToken, donor);
        var snapshotId = snapshot!["snapshot"]!["id"]!.GetValue<string>();
        await WaitAsync("snapshots", snapshotId, "available", donorToken, donor);

        var transfer = await OfferAsync(volumeId, donorToken, donor);
        var transferId = transfer["id"]!.GetValue<string>();
        var key = transfer["auth_key"]!.GetValue<string>();
        Assert.That(key, Has.Length.EqualTo(16));
        Assert.That(transfer["volume_id"]!.GetValue<string>(), Is.EqualTo(volumeId));
        Assert.That((await CallAsync(HttpMethod.Get, $"volumes/{volumeId}", token: donorToken, project: donor)).Body!["volume"]!["status"]!.GetValue<string>(), Is.EqualTo("awaiting-transfer"));
        var (_, shown) = await CallAsync(HttpMethod.Get, $"os-volume-transfer/{transferId}", token: donorToken, project: donor);
        Assert.That(shown!["transfer"]!["name"]!.GetValue<string>(), Is.EqualTo("gift"));
        Assert.That(shown["transfer"]!.AsObject().ContainsKey("auth_key"), Is.False, "the key is shown once, at creation");
        var (_, listed) = await CallAsync(HttpMethod.Get, "os-volume-transfer/detail", token: donorToken, project: donor);
        Assert.That(listed!["transfers"]!.AsArray().Select(t => t!["id"]!.GetValue<string>()), Is.EqualTo(new[] { transferId }));
        Assert.That((await CallAsync(HttpMethod.Get, $"os-volume-transfer/{transferId}", token: recipientToken, project: recipient)).Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await CallAsync(HttpMethod.Delete, $"volumes/{volumeId}", token: donorToken, project: donor)).Status, Is.EqualTo(HttpStatusCode.BadRequest), "a volume awaiting transfer stays as it is");

        var (wrong, fault) = await AcceptAsync(transferId, "not-the-key", recipientToken, recipient);
        Assert.That(wrong, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(fault!["badRequest"]!["message"]!.GetValue<string>(), Does.Contain("Invalid auth key"));
        var (accepted, answer) = await AcceptAsync(transferId, key, recipientToken, recipient);
        Assert.That(accepted, Is.EqualTo(HttpStatusCode.Accepted), answer?.ToJsonString());
        Assert.That(answer!["transfer"]!["volume_id"]!.GetValue<string>(), Is.EqualTo(volumeId));

        var (mine, volume) = await CallAsync(HttpMethod.Get, $"volumes/{volumeId}", token: recipientToken, project: recipient);
        Assert.That(mine, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(volume!["volume"]!["status"]!.GetValue<string>(), Is.EqualTo("available"));
        Assert.That((await CallAsync(HttpMethod.Get, $"volumes/{volumeId}", token: donorToken, project: donor)).Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await CallAsync(HttpMethod.Get, $"snapshots/{snapshotId}", token: recipientToken, project: recipient)).Status, Is.EqualTo(HttpStatusCode.OK), "the snapshots move along");
        Assert.That((await CallAsync(HttpMethod.Get, $"os-volume-transfer/{transferId}", token: donorToken, project: donor)).Status, Is.EqualTo(HttpStatusCode.NotFound));

        var (_, donorQuota) = await CallAsync(HttpMethod.Get, $"os-quota-sets/{donor}?usage=true", token: donorToken, project: donor);
        Assert.That(donorQuota!["quota_set"]!["volumes"]!["in_use"]!.GetValue<long>(), Is.Zero);
        Assert.That(donorQuota["quota_set"]!["gigabytes"]!["in_use"]!.GetValue<long>(), Is.Zero);
        var (_, recipientQuota) = await CallAsync(HttpMethod.Get, $"os-quota-sets/{recipient}?usage=true", token: recipientToken, project: recipient);
        Assert.That(recipientQuota!["quota_set"]!["volumes"]!["in_use"]!.GetValue<long>(), Is.EqualTo(1));
        Assert.That(recipientQuota["quota_set"]!["snapshots"]!["in_use"]!.GetValue<long>(), Is.EqualTo(1));
        Assert.That(recipientQuota["quota_set"]!["gigabytes"]!["in_use"]!.GetValue<long>(), Is.EqualTo(2));
    }

    [Test]
    public async Task Attached_volumes_are_not_offered_over_quota_is_413_and_deleting_the_offer_gives_the_volume_back()
    {
        var (donor, donorToken) = await NewMemberAsync();
        var (recipient, recipientToken) = await NewMemberAsync();
        var attached = await AvailableVolumeAsync(donorToken, donor);
        await CallAsync(HttpMethod.Post, $"volumes/{attached}/action", new JsonObject { ["os-reserve"] = new JsonObject() }, donorToken, donor);
        await CallAsync(HttpMethod.Post, $"volumes/{attached}/action", new JsonObject { ["os-attach"] = new JsonObject { ["instance_uuid"] = Guid.NewGuid().ToString() } }, donorToken, donor);
        var (inUse, fault) = await CallAsync(HttpMethod.Post, "os-volume-transfer", new JsonObject { ["transfer"] = new JsonObject { ["volume_id"] = attached } }, donorToken, donor);
        Assert.That(inUse, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(fault!["badRequest"]!["message"]!.GetValue<string>(), Does.Contain("status must be available"));

        var volumeId = await AvailableVolumeAsync(donorToken, donor);
        var transfer = await OfferAsync(volumeId, donorToken, donor);
        var (set, _) = await CallAsync(HttpMethod.Put, $"os-quota-sets/{recipient}", new JsonObject { ["quota_set"] = new JsonObject { ["volumes"] = 0 } });
        Assert.That(set, Is.EqualTo(HttpStatusCode.OK));
        var (overQuota, _) = await AcceptAsync(transfer["id"]!.GetValue<string>(), transfer["auth_key"]!.GetValue<string>(), recipientToken, recipient);
        Assert.That(overQuota, Is.EqualTo((HttpStatusCode)413));
        Assert.That((await CallAsync(HttpMethod.Get, $"volumes/{volumeId}", token: donorToken, project: donor)).Body!["volume"]!["status"]!.GetValue<string>(), Is.EqualTo("awaiting-transfer"),
            "a refused accept changes nothing");

        Assert.That((await CallAsync(HttpMethod.Delete, $"os-volume-transfer/{transfer["id"]}", token: donorToken, project: donor)).Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That((await CallAsync(HttpMethod.Get, $"volumes/{volumeId}", token: donorToken, project: donor)).Body!["volume"]!["status"]!.GetValue<string>(), Is.EqualTo("available"));
        var (gone, _) = await AcceptAsync(transfer["id"]!.GetValue<string>(), transfer["auth_key"]!.GetValue<string>(), recipientToken, recipient);
        Assert.That(gone, Is.EqualTo(HttpStatusCode.NotFound));
    }
}
