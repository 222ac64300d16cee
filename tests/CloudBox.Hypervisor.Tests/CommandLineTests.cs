using CloudBox.Hypervisor.Configuration;

namespace CloudBox.Hypervisor.Tests;

[TestFixture]
public sealed class CommandLineTests
{
    [Test]
    public void Options_fill_the_configuration()
    {
        var config = VmConfigParser.Parse(["--kernel", "k", "--initrd", "i", "--cmdline", "console=ttyS0", "--memory", "256", "--vcpus", "2",
            "--disk", "a.img,ro,serial=abc", "--disk", "b.img", "--net", "tap=tap0,mac=52:54:00:00:00:01", "--api-socket", "s", "--no-reboot"]);
        Assert.That(config.KernelPath, Is.EqualTo("k"));
        Assert.That(config.MemoryMiB, Is.EqualTo(256));
        Assert.That(config.Vcpus, Is.EqualTo(2));
        Assert.That(config.Disks.Select(d => (d.Path, d.ReadOnly, d.Serial)), Is.EqualTo(new[] { ("a.img", true, (string?)"abc"), ("b.img", false, null) }));
        Assert.That(config.Nets.Single().Mac, Is.EqualTo("52:54:00:00:00:01"));
        Assert.That(config.NoReboot, Is.True);
    }

    [Test]
    public void Nets_are_named_by_their_tap_unless_given_an_id_and_ids_are_unique()
    {
        var config = VmConfigParser.Parse(["--kernel", "k", "--net", "tap=tapa", "--net", "tap=tapb,id=port-b,mac=52:54:00:00:00:02"]);
        Assert.That(config.Nets.Select(n => (n.Id, n.Tap, n.Mac)), Is.EqualTo(new[] { ((string?)"tapa", "tapa", (string?)null), ("port-b", "tapb", "52:54:00:00:00:02") }));
        var twice = Assert.Throws<VmmArgumentException>(() => VmConfigParser.Parse(["--kernel", "k", "--net", "tap=t1,id=x", "--net", "tap=t2,id=x"]));
        Assert.That(twice!.Message, Does.Contain("two net devices have the id 'x'"));
    }

    [Test]
    public void Taps_are_opened_in_the_network_namespace_given_by_netns_else_in_the_vmms_own()
    {
        Assert.That(VmConfigParser.Parse(["--kernel", "k", "--net", "tap=tapa", "--netns", "/run/netns/tenant"]).NetworkNamespace, Is.EqualTo("/run/netns/tenant"));
        Assert.That(VmConfigParser.Parse(["--kernel", "k", "--net", "tap=tapa"]).NetworkNamespace, Is.Null);
    }

    [Test]
    public void Disks_get_ids_from_the_command_line_or_by_position_and_the_uuid_is_kept()
    {
        var config = VmConfigParser.Parse(["--kernel", "k", "--disk", "a.img,id=vol-a,serial=s1", "--disk", "b.img,ro", "--uuid", "0e6a4a8e-1c55-4a47-9ad2-3f0c8c1d2b7a",
            "--eject-timeout", "5"]);
        Assert.That(config.Disks.Select(d => (d.Id, d.Path, d.ReadOnly, d.Serial)),
            Is.EqualTo(new[] { ((string?)"vol-a", "a.img", false, (string?)"s1"), ("disk1", "b.img", true, null) }));
        Assert.That(config.Uuid, Is.EqualTo("0e6a4a8e-1c55-4a47-9ad2-3f0c8c1d2b7a"));
        Assert.That(config.EjectTimeoutSeconds, Is.EqualTo(5));
    }

    [Test]
    public void A_configuration_written_by_VmConfigFile_reads_back_whole_and_only_its_owner_can_read_it()
    {
        var directory = Directory.CreateTempSubdirectory("cloudbox-test-vmconfig-").FullName;
        var path = Path.Combine(directory, "vm.json");
        try
        {
            var written = new VmConfig
            {
                KernelPath = "/i/kernel", InitrdPath = "/i/initrd", CommandLine = "console=ttyS0 root=/dev/vda", MemoryMiB = 384, Vcpus = 2,
                Disks = [new DiskConfig { Path = "/i/disk.raw" }, new DiskConfig { Path = "/v/vol.raw", ReadOnly = true, Id = "vol", Serial = "vol" }],
                Nets = [new NetConfig { Tap = "tapabc", Mac = "fa:16:3e:00:00:01" }], NetworkNamespace = "/run/netns/cloudbox",
                Uuid = "0e6a4a8e-1c55-4a47-9ad2-3f0c8c1d2b7a", Console = "/i/console.log", ApiSocket = "/i/api.sock", JailUid = 900123, Cgroup = "server-1",
            };
            VmConfigFile.Write(path, written);
            Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), "it names the disks and taps");
            Assert.That(Directory.GetFiles(directory), Is.EqualTo(new[] { path }), "no temporary file is left");

            var read = VmConfigParser.Parse(["--config", path]);
            Assert.That((read.KernelPath, read.InitrdPath, read.CommandLine, read.MemoryMiB, read.Vcpus, read.NetworkNamespace, read.Uuid, read.Console, read.ApiSocket),
                Is.EqualTo((written.KernelPath, written.InitrdPath, written.CommandLine, 384, 2, written.NetworkNamespace, written.Uuid, written.Console, written.ApiSocket)));
            Assert.That(read.Disks.Select(d => (d.Id, d.Path, d.ReadOnly, d.Serial)),
                Is.EqualTo(new[] { ((string?)"disk0", "/i/disk.raw", false, (string?)null), ("vol", "/v/vol.raw", true, "vol") }));
            Assert.That(read.Nets.Select(n => (n.Id, n.Tap, n.Mac)), Is.EqualTo(new[] { ((string?)"tapabc", "tapabc", (string?)"fa:16:3e:00:00:01") }));
            Assert.That((read.Jail, read.JailUid, read.Cgroup), Is.EqualTo((true, (uint?)900123, "server-1")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public void A_configuration_file_that_is_missing_or_not_a_configuration_is_a_clear_error()
    {
        var missing = Assert.Throws<VmmArgumentException>(() => VmConfigParser.Parse(["--config", "/nonexistent/vm.json"]));
        Assert.That(missing!.Message, Does.StartWith("cannot read configuration /nonexistent/vm.json"));
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, """{ "kernelPath": "/k", "disks": 3 }""");
            Assert.That(Assert.Throws<VmmArgumentException>(() => VmConfigParser.Parse(["--config", path]))!.Message, Does.StartWith($"cannot read configuration {path}"));
            File.WriteAllText(path, """{ "kernelPath": "/k", "unknownOption": 1 }""");
            Assert.That(Assert.Throws<VmmArgumentException>(() => VmConfigParser.Parse(["--config", path]))!.Message, Does.Contain("unknownOption"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Config_file_has_the_same_content_and_later_options_override_it()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, """{ "kernelPath": "/k", "memoryMiB": 300, "disks": [ { "path": "/d.img", "readOnly": true } ], "noReboot": true }""");
        try
        {
            var config = VmConfigParser.Parse(["--config", path, "--vcpus", "2"]);
            Assert.That((config.KernelPath, config.MemoryMiB, config.Vcpus, config.NoReboot), Is.EqualTo(("/k", 300, 2, true)));
            Assert.That(config.Disks.Single().ReadOnly, Is.True);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestCase(new string[0], "--kernel is required")]
    [TestCase(new[] { "--kernel", "k", "--memory", "lots" }, "--memory must be a number")]
    [TestCase(new[] { "--kernel", "k", "--bogus" }, "unknown option --bogus")]
    [TestCase(new[] { "--kernel", "k", "--disk", "x.img,rw" }, "unknown disk option 'rw'")]
    [TestCase(new[] { "--kernel", "k", "--disk", "a.img,id=v", "--disk", "b.img,id=v" }, "two disks have the id 'v'")]
    [TestCase(new[] { "--kernel", "k", "--uuid", "not-a-uuid" }, "is not a UUID")]
    public async Task Bad_arguments_give_one_line_and_exit_code_2(string[] args, string message)
    {
        var errors = new StringWriter();
        var code = await VmmCommand.RunAsync(args, errors, CancellationToken.None);
        Assert.That(code, Is.EqualTo((int)VmmExitCode.BadArguments));
        Assert.That(errors.ToString(), Does.Contain(message));
        Assert.That(errors.ToString().Trim().Split('\n'), Has.Length.EqualTo(1));
    }

    [Test]
    public async Task Unreadable_kernel_bad_disk_and_unopenable_tap_fail_setup_with_exit_code_3()
    {
        GuestFixtures.RequireKvm();
        var kernel = GuestFixtures.Vmlinux;
        await AssertSetupFails(["--kernel", "/nonexistent/vmlinuz"], "cannot use kernel /nonexistent/vmlinuz");
        await AssertSetupFails(["--kernel", kernel, "--console", "none", "--disk", "/nonexistent/disk.img"], "cannot open disk /nonexistent/disk.img");
        await AssertSetupFails(["--kernel", kernel, "--console", "none", "--net", "tap=bad/name"], "cannot open tap bad/name");
        await AssertSetupFails(["--kernel", kernel, "--console", "none", "--initrd", "/nonexistent/initrd"], "cannot read initrd");
        await AssertSetupFails(["--kernel", kernel, "--console", "none", "--netns", "/run/netns/nonexistent-cb"], "cannot read network namespace");
    }

    private static async Task AssertSetupFails(string[] args, string message)
    {
        var errors = new StringWriter();
        var code = await VmmCommand.RunAsync(args, errors, CancellationToken.None);
        Assert.That(code, Is.EqualTo((int)VmmExitCode.SetupFailed), errors.ToString());
        Assert.That(errors.ToString(), Does.StartWith("cloudbox vmm: " + message));
        Assert.That(errors.ToString().Trim().Split('\n'), Has.Length.EqualTo(1));
    }
}
