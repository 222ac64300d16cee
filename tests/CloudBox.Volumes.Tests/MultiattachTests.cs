using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Data;
using CloudBox.Core.Volumes;
using Microsoft.Extensions.DependencyInjection;

namespace CloudBox.Volumes.Tests;

/// <summary>Multiattach volumes (from a type with multiattach="&lt;is&gt; True") attach to several servers; other volumes to one.</summary>
public sealed class MultiattachTests(DatabaseEngine engine) : VolumesFixture(engine)
{
    private CallerContext Admin() => new()
    {
        Token = "t", UserId = "u", UserName = "admin", UserDomainId = "default", UserDomainName = "Default", ProjectId = AdminProject,
        Roles = [new RoleReference("r", "admin")],
    };

    private async Task<JsonObject> AvailableVolumeAsync(JsonObject volume)
    {
        var id = (await CreateVolumeAsync(volume))["id"]!.GetValue<string>();
        return await WaitAsync("volumes", id, "available");
    }

    [Test]
    public async Task A_volume_of_a_multiattach_type_attaches_to_two_servers_and_a_plain_one_only_to_one()
    {
        var typeName = Unique("multi");
        var (typed, _) = await CallAsync(HttpMethod.Post, "types", new JsonObject
        {
            ["volume_type"] = new JsonObject { ["name"] = typeName, ["extra_specs"] = new JsonObject { ["multiattach"] = "<is> True" } },
        });
        Assert.That(typed, Is.EqualTo(HttpStatusCode.OK));
        var shared = await AvailableVolumeAsync(new JsonObject { ["size"] = 1, ["volume_type"] = typeName });
        Assert.That(shared["multiattach"]!.GetValue<bool>(), Is.True);
        var plain = await AvailableVolumeAsync(new JsonObject { ["size"] = 1 });
        Assert.That(plain["multiattach"]!.GetValue<bool>(), Is.False);

        var seam = Cloud.Services.GetRequiredService<IVolumeAttachments>();
        var sharedId = shared["id"]!.GetValue<string>();
        var (first, second) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        var one = await seam.ReserveAsync(sharedId, first, null, false, null, attachNow: true, Admin(), CancellationToken.None);
        await seam.CompleteAsync(one.Id, "/dev/vdb", "host", CancellationToken.None);
        var two = await seam.ReserveAsync(sharedId, second, null, false, null, attachNow: true, Admin(), CancellationToken.None);
        await seam.CompleteAsync(two.Id, "/dev/vdb", "host", CancellationToken.None);
        Assert.That((await seam.FindAsync(sharedId, Admin(), CancellationToken.None))!.Multiattach, Is.True);
        var (_, body) = await CallAsync(HttpMethod.Get, $"volumes/{sharedId}");
        Assert.That(body!["volume"]!["status"]!.GetValue<string>(), Is.EqualTo("in-use"));
        Assert.That(body["volume"]!["attachments"]!.AsArray().Select(a => a!["server_id"]!.GetValue<string>()), Is.EquivalentTo(new[] { first, second }));
        var again = Assert.ThrowsAsync<ApiFault>(() => seam.ReserveAsync(sharedId, first, null, false, null, true, Admin(), CancellationToken.None));
        Assert.That(again!.StatusCode, Is.EqualTo(400), "never twice to the same server");

        await seam.BeginDetachAsync(sharedId, first, CancellationToken.None);
        await seam.DetachAsync(one.Id, CancellationToken.None);
        Assert.That((await CallAsync(HttpMethod.Get, $"volumes/{sharedId}")).Body!["volume"]!["status"]!.GetValue<string>(), Is.EqualTo("in-use"), "still attached to the second server");

        var plainId = plain["id"]!.GetValue<string>();
        var held = await seam.ReserveAsync(plainId, first, null, false, null, attachNow: true, Admin(), CancellationToken.None);
        await seam.CompleteAsync(held.Id, "/dev/vdc", "host", CancellationToken.None);
        var refused = Assert.ThrowsAsync<ApiFault>(() => seam.ReserveAsync(plainId, second, null, false, null, true, Admin(), CancellationToken.None));
        Assert.That(refused!.StatusCode, Is.EqualTo(400));
        Assert.That(refused.Message, Does.Contain($"Volume {plainId} status must be available"));
    }
}
