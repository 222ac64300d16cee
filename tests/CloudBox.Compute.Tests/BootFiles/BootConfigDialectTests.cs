using CloudBox.Compute.Build.BootFiles;

namespace CloudBox.Compute.Tests.BootFiles;

/// <summary>GRUB 2, BLS and extlinux dialects on in-memory file systems: defaults, submenus, variables, search, grubenv.</summary>
[TestFixture]
public sealed class BootConfigDialectTests
{
    private static BootSelection Grub(string config, Dictionary<string, string>? more = null, string path = "/boot/grub/grub.cfg")
    {
        var files = new Dictionary<string, string> { [path] = config };
        foreach (var (k, v) in more ?? []) files[k] = v;
        var boot = new BootVolume(new Partition(1, 1 << 20, 1 << 20, false, false, "gpt"), new MemoryFileSystem("aaaa-1111", files));
        var root = new BootVolume(new Partition(2, 2 << 20, 1 << 20, false, false, "gpt"), new MemoryFileSystem("bbbb-2222", new() { ["/vmlinuz-root"] = "k", ["/boot/other"] = "k" }));
        var disk = BootDisk.From([boot, root]);
        return GrubConfig.Select(disk, boot, path) ?? throw new AssertionException("no entry selected");
    }

    [Test]
    public void DefaultByIndexTitleIdAndSubmenuPath()
    {
        const string menu = """
            menuentry 'first' --id one { linux /a x=1 }
            submenu 'more' --id more {
                menuentry 'second' --id two { linux /b x=2 }
                menuentry "third" $menuentry_id_option 'three' { linux /c x=3 }
            }
            """;
        Assert.That(Grub("set default=0\n" + menu).CommandLine, Is.EqualTo("x=1"));
        Assert.That(Grub("set default='1>1'\n" + menu).CommandLine, Is.EqualTo("x=3"));
        Assert.That(Grub("set default=\"more>two\"\n" + menu).CommandLine, Is.EqualTo("x=2"));
        Assert.That(Grub("set default='more>third'\n" + menu).CommandLine, Is.EqualTo("x=3"));
        Assert.That(Grub("set default=7\n" + menu).CommandLine, Is.EqualTo("x=1"), "a default naming no entry falls back to the first, as GRUB does");
    }

    [Test]
    public void SavedEntryFromGrubenvAndVariablesSplitIntoWords()
    {
        var config = """
            if [ -s $prefix/grubenv ]; then
              load_env
            fi
            set default="${saved_entry}"
            set opts="quiet splash"
            menuentry 'a' --id a { linux /a root=UUID=r $opts }
            menuentry 'b' --id b { linux /b root=UUID=r ro ${opts} "quoted $opts" \$literal }
            """;
        var selection = Grub(config, new() { ["/boot/grub/grubenv"] = "# GRUB Environment Block\nsaved_entry=b\n######" });
        Assert.That(selection.Kernel.Path, Is.EqualTo("/b"));
        Assert.That(selection.CommandLine, Is.EqualTo("root=UUID=r ro quiet splash quoted quiet splash $literal"));
    }

    [Test]
    public void SearchSetsRootAndDevicePathsNameOtherPartitions()
    {
        var selection = Grub("""
            menuentry 'x' {
                search --no-floppy --fs-uuid --set=root bbbb-2222
                linux /vmlinuz-root ro
                initrd (hd0,gpt1)/boot/grub/grub.cfg /boot/other
            }
            """);
        Assert.That(selection.Kernel.Volume.Partition!.Number, Is.EqualTo(2));
        Assert.That(selection.Initrds.Select(i => (i.Volume.Partition!.Number, i.Path)), Is.EqualTo(new[] { (1, "/boot/grub/grub.cfg"), (2, "/boot/other") }));
    }

    [Test]
    public void IfElseAndTests()
    {
        var selection = Grub("""
            if [ x$grub_platform = xefi ]; then set k=/efi; elif [ -n "$grub_cpu" ]; then set k=/pc; else set k=/none; fi
            if [ ! -e /boot/grub/missing ] ; then set extra=nomissing ; fi
            menuentry 'x' { linuxefi $k $extra }
            """);
        Assert.That(selection.Kernel.Path, Is.EqualTo("/pc"));
        Assert.That(selection.CommandLine, Is.EqualTo("nomissing"));
    }

    [Test]
    public void ConfigfileStubOnTheEspLeadsToTheRealConfig()
    {
        var esp = new BootVolume(new Partition(1, 1 << 20, 1 << 20, false, true, "efi-system"), new MemoryFileSystem("ESP-1", new()
        {
            ["/EFI/ubuntu/grub.cfg"] = "search.fs_uuid bbbb-2222 root\nset prefix=($root)'/boot/grub'\nconfigfile $prefix/grub.cfg\n",
        }));
        var root = new BootVolume(new Partition(2, 2 << 20, 1 << 20, false, false, "gpt"), new MemoryFileSystem("bbbb-2222", new()
        {
            ["/boot/grub/grub.cfg"] = "menuentry 'Ubuntu' { linux /boot/vmlinuz root=LABEL=cloudimg-rootfs ro console=tty1 console=ttyS0\n initrd /boot/initrd.img }",
        }));
        var selection = GrubConfig.Select(BootDisk.From([esp, root]), esp, "/EFI/ubuntu/grub.cfg")!;
        Assert.That((selection.Kernel.Volume.Partition!.Number, selection.Kernel.Path), Is.EqualTo((2, "/boot/vmlinuz")));
        Assert.That(selection.CommandLine, Is.EqualTo("root=LABEL=cloudimg-rootfs ro console=tty1 console=ttyS0"));
    }

    [Test]
    public void BlscfgEntriesAreMenuEntriesAndSavedEntryPicksOne()
    {
        var selection = Grub("load_env\nset default=\"${saved_entry}\"\nblscfg\n", new()
        {
            ["/boot/grub/grubenv"] = "saved_entry=m-5.14.0-1\nkernelopts=root=/dev/vda1 ro\n",
            ["/loader/entries/m-5.14.0-1.conf"] = "title old\nversion 5.14.0-1\nlinux /vmlinuz-1\noptions $kernelopts old\n",
            ["/loader/entries/m-5.14.0-12.conf"] = "title new\nversion 5.14.0-12\nlinux /vmlinuz-12\ninitrd /initramfs-12.img\noptions $kernelopts\n",
        });
        Assert.That(selection.Kernel.Path, Is.EqualTo("/vmlinuz-1"));
        Assert.That(selection.CommandLine, Is.EqualTo("root=/dev/vda1 ro old"));
        var newest = Grub("blscfg\n", new()
        {
            ["/loader/entries/m-5.14.0-9.conf"] = "version 5.14.0-9\nlinux /vmlinuz-9\n",
            ["/loader/entries/m-5.14.0-12.conf"] = "version 5.14.0-12\nlinux /vmlinuz-12\n",
        });
        Assert.That(newest.Kernel.Path, Is.EqualTo("/vmlinuz-12"), "5.14.0-12 sorts above 5.14.0-9");
    }

    [Test]
    public void ExtlinuxDefaultLabelRelativePathsAndInitrdInAppend()
    {
        var volume = new BootVolume(null, new MemoryFileSystem("u", new()
        {
            ["/boot/syslinux/syslinux.cfg"] = "default linux\nlabel rescue\n kernel /rescue\nlabel linux\n  kernel vmlinuz\n  append initrd=initrd.gz root=/dev/vda quiet\n",
        }));
        var selection = ExtlinuxConfig.Select(volume, "/boot/syslinux/syslinux.cfg")!;
        Assert.That(selection.Kernel.Path, Is.EqualTo("/boot/syslinux/vmlinuz"));
        Assert.That(selection.Initrds.Select(i => i.Path), Is.EqualTo(new[] { "/boot/syslinux/initrd.gz" }));
        Assert.That(selection.CommandLine, Is.EqualTo("root=/dev/vda quiet"));
    }

    [TestCase("menuentry 'x' {")]
    [TestCase("if true; then")]
    [TestCase("menuentry 'unterminated { linux /a }")]
    [TestCase("fi")]
    public void MalformedGrubCfgIsAFormatError(string config)
    {
        Assert.Throws<BootFormatException>(() => Grub(config));
    }

    [Test]
    public void DeepNestingAndSourceLoopsAreBounded()
    {
        var deep = string.Concat(Enumerable.Repeat("if true; then\n", 100)) + string.Concat(Enumerable.Repeat("fi\n", 100));
        Assert.Throws<BootFormatException>(() => Grub(deep));
        Assert.Throws<BootFormatException>(() => Grub("source /boot/grub/grub.cfg\nmenuentry x { linux /a }"));
    }
}
