using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Images;
using CloudBox.Testing;

namespace CloudBox.Compute.Tests;

/// <summary>
/// End to end on the real driver: `cloudbox vmm` boots the host's kernel and initrd from images,
/// and the server goes ACTIVE with the kernel's messages in its console output. Needs a published
/// binary with the vmm verb (CLOUDBOX_BIN or .build/cloudbox/cloudbox), /dev/kvm and the packaging/guest test guest;
/// without any of them it is ignored, saying which.
/// </summary>
[TestFixture]
public sealed class RealVmmBootTests
{
    /// <summary>Builds (or finds cached) the packaging/guest test guest; its directory, or null when it cannot be built.</summary>
    internal static string? BuildTestGuest()
    {
        var root = AppContext.BaseDirectory;
        while (root is not null && !File.Exists(Path.Combine(root, "CloudBox.sln")))
            root = Path.GetDirectoryName(root);
        if (root is null)
            return null;
        var start = new ProcessStartInfo("sh", [Path.Combine(root, "packaging", "guest", "build-initramfs.sh")]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? output.Trim().Split('\n')[^1] : null;
    }

    internal static string? FindVmmBinary(out string why)
    {
        var root = AppContext.BaseDirectory;
        while (root is not null && !File.Exists(Path.Combine(root, "CloudBox.sln")))
            root = Path.GetDirectoryName(root);
        var binary = Environment.GetEnvironmentVariable("CLOUDBOX_BIN") ?? (root is null ? "" : Path.Combine(root, ".build", "cloudbox", "cloudbox"));
        if (!File.Exists(binary))
        {
            why = $"no published cloudbox binary at {binary} (set CLOUDBOX_BIN)";
            return null;
        }
        var start = new ProcessStartInfo(binary, ["vmm", "--help"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (!output.Contains("--kernel", StringComparison.Ordinal))
        {
            why = $"{binary} has no `vmm` verb: the hypervisor is not merged into this build, so the real boot path is not exercised";
            return null;
        }
        why = "";
        return binary;
    }

    [Test]
    public async Task A_server_boots_the_hosts_kernel_on_the_cloudbox_vmm()
    {
        var binary = FindVmmBinary(out var why);
        if (binary is null)
            Assert.Ignore(why);
        if (!File.Exists("/dev/kvm"))
            Assert.Ignore("/dev/kvm is missing: no KVM on this machine");
        // CLOUDBOX_GUEST_KERNEL/INITRD pick another guest; by default the test guest of packaging/guest, whose
        // uncompressed vmlinux skips the decompressor that crawls through KVM's emulator on PVM hosts.
        var guest = Environment.GetEnvironmentVariable("CLOUDBOX_GUEST_KERNEL") is null ? BuildTestGuest() : null;
        var kernel = Environment.GetEnvironmentVariable("CLOUDBOX_GUEST_KERNEL") ?? (guest is null ? null : Path.Combine(guest, "vmlinux"));
        var initrd = Environment.GetEnvironmentVariable("CLOUDBOX_GUEST_INITRD") ?? (guest is null ? null : Path.Combine(guest, "initramfs.cpio"));
        if (kernel is null || initrd is null || !File.Exists(kernel) || !File.Exists(initrd))
            Assert.Ignore("no guest kernel: packaging/guest/build-initramfs.sh failed (needs linux-image-cloud-amd64, busybox-static) and CLOUDBOX_GUEST_KERNEL is unset");

        await using var cloud = await TestCloud.StartAsync(DatabaseEngine.Sqlite, new ImagesModule(),
            new ComputeModule(new ComputeSettings { VmmBinary = binary!, HostName = "e2e-node", BuildPollInterval = TimeSpan.FromMilliseconds(100), ShutdownTimeout = TimeSpan.FromSeconds(5) }));
        var token = await cloud.AdminTokenAsync();
        var kernelId = await UploadAsync(cloud, token, "aki", await File.ReadAllBytesAsync(kernel!));
        var ramdiskId = await UploadAsync(cloud, token, "ari", await File.ReadAllBytesAsync(initrd!));
        var imageId = await UploadAsync(cloud, token, "raw", new byte[16 << 20], new JsonObject
        {
            ["kernel_id"] = kernelId, ["ramdisk_id"] = ramdiskId,
            ["os_command_line"] = Environment.GetEnvironmentVariable("CLOUDBOX_GUEST_CMDLINE") ?? TestGuest.CommandLine,
        });

        var watch = Stopwatch.StartNew();
        var (status, body, _) = await cloud.SendAsync(HttpMethod.Post, "/compute/v2.1/servers", token, new JsonObject
        {
            ["server"] = new JsonObject { ["name"] = "e2e", ["imageRef"] = imageId, ["flavorRef"] = "1", ["networks"] = "none", ["config_drive"] = true },
        });
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var id = body!["server"]!["id"]!.GetValue<string>();
        JsonNode? server = null;
        for (var i = 0; i < 300; i++)
        {
            server = (await cloud.SendAsync(HttpMethod.Get, $"/compute/v2.1/servers/{id}", token)).Body!["server"];
            if (server!["status"]!.GetValue<string>() is "ACTIVE" or "ERROR")
                break;
            await Task.Delay(50);
        }
        var active = watch.Elapsed;
        Assert.That(server!["status"]!.GetValue<string>(), Is.EqualTo("ACTIVE"), server.ToJsonString());

        var console = "";
        // Kernels boot slowly under nested or PVM virtualisation: allow minutes.
        var deadline = DateTime.UtcNow.AddMinutes(4);
        while (DateTime.UtcNow < deadline && !console.Contains("Linux version", StringComparison.Ordinal))
        {
            await Task.Delay(100);
            var (_, output, _) = await cloud.SendAsync(HttpMethod.Post, $"/compute/v2.1/servers/{id}/action", token, new JsonObject { ["os-getConsoleOutput"] = new JsonObject() });
            console = output!["output"]!.GetValue<string>();
        }
        TestContext.Out.WriteLine($"POST /servers to ACTIVE (VMM running): {active.TotalMilliseconds:F0} ms; to 'Linux version' on the console: {watch.Elapsed.TotalMilliseconds:F0} ms");
        Assert.That(console, Does.Contain("Linux version"));

        var (stopped, _, _) = await cloud.SendAsync(HttpMethod.Post, $"/compute/v2.1/servers/{id}/action", token, new JsonObject { ["os-stop"] = null });
        Assert.That(stopped, Is.EqualTo(HttpStatusCode.Accepted));
        var (deleted, _, _) = await cloud.SendAsync(HttpMethod.Delete, $"/compute/v2.1/servers/{id}", token);
        Assert.That(deleted, Is.EqualTo(HttpStatusCode.NoContent));
    }

    private static Task<string> UploadAsync(TestCloud cloud, string token, string format, byte[] data, JsonObject? properties = null)
    {
        var attributes = new JsonObject { ["name"] = "e2e-" + format, ["disk_format"] = format, ["container_format"] = format is "aki" or "ari" ? format : "bare" };
        foreach (var (key, value) in properties ?? [])
            attributes[key] = value?.DeepClone();
        return cloud.UploadImageAsync(token, attributes, data);
    }
}
