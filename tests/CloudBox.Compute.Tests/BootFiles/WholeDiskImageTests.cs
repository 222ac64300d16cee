using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using CloudBox.Core.Data;
using CloudBox.Testing.Guests;

namespace CloudBox.Compute.Tests.BootFiles;

/// <summary>
/// A whole-disk image with no kernel properties (the synthetic GPT + ESP + ext4 disk with Debian's grub.cfg): the
/// server boots the kernel, initrd and command line read from its own root disk, records them, and reads them again
/// at a hard reboot after the guest changed its default entry.
/// </summary>
public sealed class WholeDiskImageTests(DatabaseEngine engine) : ComputeFixture(engine)
{
    private const string RootUuid = "3f1a4c2e-5b6d-4e7f-8a9b-0c1d2e3f4a5b";

    [Test]
    public async Task A_whole_disk_image_boots_the_kernel_its_grub_cfg_names_and_rereads_it_at_hard_reboot()
    {
        var image = await UploadImageAsync(AdminToken, new JsonObject { ["name"] = Unique("debian-whole-disk"), ["disk_format"] = "raw", ["container_format"] = "bare" },
            await File.ReadAllBytesAsync(BootDisks.PathOf("gpt-grub.raw")));
        var (status, body) = await CreateServerAsync(AdminToken, image: image);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted), body?.ToJsonString());
        var id = body!["server"]!["id"]!.GetValue<string>();
        await WaitForStatusAsync(id, "ACTIVE");

        var vm = Driver.Started[id];
        Assert.That(vm.CommandLine, Is.EqualTo($"root=UUID={RootUuid} ro console=tty0 console=ttyS0,115200 earlyprintk=ttyS0,115200 consoleblank=0"),
            "the image's own command line, whole, with its serial console");
        Assert.That(Hash(vm.KernelPath), Is.EqualTo(Hash(BootDisks.Kernel!)));
        Assert.That(vm.InitrdPath, Is.Not.Null);
        Assert.That(File.ReadAllText(vm.InitrdPath!)[..6], Is.EqualTo("070701"));

        var (_, actions, _) = await Nova(HttpMethod.Get, $"/servers/{id}/os-instance-actions", AdminToken);
        var boot = actions!["instanceActions"]!.AsArray().Single(a => a!["action"]!.GetValue<string>() == "boot-files")!;
        Assert.That(boot["message"]!.GetValue<string>(), Does.Contain("/boot/vmlinuz-6.1.0-57-cloud-amd64 on partition 2").And.Contain("/boot/grub/grub.cfg").And.Contain(image));

        // The guest makes its old kernel the default (grub-reboot/grub-set-default write grubenv): a hard reboot boots it.
        SetSavedEntry(vm.Disks[0].Path, $"gnulinux-advanced-{RootUuid}>gnulinux-6.1.0-10-cloud-amd64-advanced-{RootUuid}");
        var (rebootStatus, _, _) = await ActAsync(id, new JsonObject { ["reboot"] = new JsonObject { ["type"] = "HARD" } });
        Assert.That(rebootStatus, Is.EqualTo(HttpStatusCode.Accepted));
        await WaitForStatusAsync(id, "ACTIVE");
        Assert.That(Driver.CountOf("reboot-hard", id), Is.EqualTo(1));
        Assert.That(File.ReadAllText(Path.Combine(Path.GetDirectoryName(vm.KernelPath)!, "cmdline")), Is.EqualTo($"root=UUID={RootUuid} ro single-old-kernel console=ttyS0"),
            "console=ttyS0 added: that entry names no console");
        Assert.That(File.ReadAllText(vm.KernelPath), Is.EqualTo("old kernel\n"));
        (_, actions, _) = await Nova(HttpMethod.Get, $"/servers/{id}/os-instance-actions", AdminToken);
        Assert.That(actions!["instanceActions"]!.AsArray().Count(a => a!["action"]!.GetValue<string>() == "boot-files"), Is.EqualTo(2));
    }

    [Test]
    public async Task Os_boot_mode_direct_kernel_without_a_kernel_is_refused_at_build()
    {
        var image = await UploadImageAsync(AdminToken, new JsonObject
        {
            ["name"] = Unique("forced"), ["disk_format"] = "raw", ["container_format"] = "bare", ["os_boot_mode"] = "direct-kernel",
        }, Bytes(4096, 1));
        var (_, body) = await CreateServerAsync(AdminToken, image: image);
        var id = body!["server"]!["id"]!.GetValue<string>();
        JsonObject server;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        do
        {
            server = await ShowServerAsync(id);
            await Task.Delay(100);
        }
        while (server["status"]!.GetValue<string>() != "ERROR" && DateTime.UtcNow < deadline);
        Assert.That(server["fault"]!["message"]!.GetValue<string>(), Does.Contain("direct-kernel"));
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>Rewrites /boot/grub/grubenv inside the disk's ext4 partition 2 (at 9 MiB, 40 MiB) with debugfs.</summary>
    private static void SetSavedEntry(string disk, string entry)
    {
        var work = Directory.CreateTempSubdirectory("cloudbox-grubenv-");
        try
        {
            var part = Path.Combine(work.FullName, "root.ext4");
            using (var input = File.OpenRead(disk))
            using (var output = File.Create(part))
            {
                input.Position = 9L << 20;
                var buffer = new byte[40 << 20];
                input.ReadExactly(buffer);
                output.Write(buffer);
            }
            var env = "# GRUB Environment Block\nsaved_entry=" + entry + "\n";
            File.WriteAllText(Path.Combine(work.FullName, "grubenv"), env + new string('#', 1024 - env.Length));
            File.WriteAllText(Path.Combine(work.FullName, "commands"), $"rm /boot/grub/grubenv\nwrite {Path.Combine(work.FullName, "grubenv")} /boot/grub/grubenv\n");
            CGuestCompiler.Run("debugfs", ["-w", "-f", Path.Combine(work.FullName, "commands"), part]);
            using (var output = new FileStream(disk, FileMode.Open, FileAccess.Write))
            {
                output.Position = 9L << 20;
                output.Write(File.ReadAllBytes(part));
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}
