using System.Net;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using Dapper;

namespace CloudBox.Compute.Tests;

/// <summary>The build pipeline survives crashes, fails into ERROR with a fault, and the power sync follows the hypervisor.</summary>
public sealed class BuildRecoveryTests(DatabaseEngine engine) : ComputeFixture(engine)
{
    [Test]
    public async Task A_build_interrupted_by_a_crash_resumes_after_restart()
    {
        Driver.HoldStarts();
        var (status, body) = await CreateServerAsync(AdminToken);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted));
        var id = body!["server"]!["id"]!.GetValue<string>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Driver.CountOf("start", id) == 0 && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.That((await ShowServerAsync(id))["OS-EXT-STS:task_state"]!.GetValue<string>(), Is.EqualTo("spawning"));

        await Cloud.RestartAsync(() =>
        {
            Driver.ReleaseStarts();
            return Task.CompletedTask;
        });
        AdminTokenRefresh = await Cloud.AdminTokenAsync();
        var server = await WaitForStatusAsync(id, "ACTIVE", AdminTokenRefresh);
        Assert.That(server["OS-EXT-STS:power_state"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(Driver.CountOf("start", id), Is.EqualTo(2));
    }

    private string? AdminTokenRefresh { get; set; }

    [Test]
    public async Task A_failing_driver_leaves_the_server_in_error_with_a_fault()
    {
        Driver.FailStarts = "the VMM could not open /dev/kvm";
        try
        {
            var (_, body) = await CreateServerAsync(AdminToken);
            var id = body!["server"]!["id"]!.GetValue<string>();
            var server = await WaitForStatusAsync(id, "ERROR");
            Assert.That(server["fault"]!["message"]!.GetValue<string>(), Does.Contain("/dev/kvm"));
            Assert.That(server["fault"]!["code"]!.GetValue<int>(), Is.EqualTo(500));
            Assert.That((await Nova(HttpMethod.Delete, $"/servers/{id}", AdminToken)).Status, Is.EqualTo(HttpStatusCode.NoContent));
        }
        finally
        {
            Driver.FailStarts = null;
        }
    }

    [Test]
    public async Task An_image_without_a_kernel_errors_with_an_explanation()
    {
        var image = await UploadImageAsync(AdminToken, new JsonObject { ["name"] = Unique("nokernel"), ["disk_format"] = "raw", ["container_format"] = "bare" }, Bytes(1024, 5));
        var (_, body) = await CreateServerAsync(AdminToken, image: image);
        var server = await WaitForStatusAsync(body!["server"]!["id"]!.GetValue<string>(), "ERROR");
        // No kernel_id: the kernel is looked for on the root disk, which has no boot configuration; the fault says where it looked.
        Assert.That(server["fault"]!["message"]!.GetValue<string>(), Does.Contain("kernel_id").And.Contain("/boot/grub/grub.cfg").And.Contain("loader/entries").And.Contain("the whole disk"));
    }

    [Test]
    public async Task A_guest_that_powers_off_is_recorded_as_shutoff()
    {
        var id = await CreateActiveServerAsync();
        Driver.GuestPowersOff(id);
        var server = await WaitForStatusAsync(id, "SHUTOFF");
        Assert.That(server["OS-EXT-STS:power_state"]!.GetValue<int>(), Is.EqualTo(4));
    }

    [Test]
    public async Task An_action_interrupted_by_a_crash_is_settled_from_the_hypervisor_at_start()
    {
        var id = await CreateActiveServerAsync();
        await Cloud.RestartAsync(async () =>
        {
            await using var database = Cloud.OpenDatabase();
            await using var connection = await database.OpenAsync();
            await connection.ExecuteAsync("UPDATE compute_servers SET task_state = 'powering-off' WHERE id = @id", new { id });
        });
        var token = await Cloud.AdminTokenAsync();
        var server = await WaitForStatusAsync(id, "ACTIVE", token);
        Assert.That(server["OS-EXT-STS:task_state"], Is.Null);
    }
}
