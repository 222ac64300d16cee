using System.Security.Cryptography;
using CloudBox.Compute.Build.BootFiles;
using Microsoft.Win32.SafeHandles;

namespace CloudBox.Compute.Tests.BootFiles;

/// <summary>The disk reader against the synthetic whole-disk images: partition tables, ext4, FAT and each boot loader's configuration.</summary>
[TestFixture]
public sealed class BootFileReaderTests
{
    private const string RootUuid = "3f1a4c2e-5b6d-4e7f-8a9b-0c1d2e3f4a5b";

    private static (BootSelection Selection, BootDisk Disk, SafeFileHandle Handle) Find(string name)
    {
        var handle = File.OpenHandle(BootDisks.PathOf(name));
        var region = new DiskRegion(handle, 0, RandomAccess.GetLength(handle));
        var disk = BootDisk.Open(region);
        return (BootFileFinder.Find(disk), disk, handle);
    }

    private static string KernelHash(BootSelection selection)
    {
        using var buffer = new MemoryStream();
        selection.Kernel.Volume.FileSystem.Open(selection.Kernel.Path)!.CopyTo(buffer, BootFileFinder.MaxKernelBytes, CancellationToken.None);
        return Convert.ToHexString(SHA256.HashData(buffer.ToArray()));
    }

    private static string StockKernelHash => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(BootDisks.Kernel!)));

    [Test]
    public void GptDiskWithGrubBootsTheSavedEntryFromTheExt4Root()
    {
        var (selection, disk, handle) = Find("gpt-grub.raw");
        using var _ = handle;
        Assert.That(disk.Volumes.Select(v => (v.Partition!.Number, v.FileSystem.Kind)), Is.EqualTo(new[] { (1, "vfat"), (2, "ext4") }));
        Assert.That(disk.Volumes[0].Partition!.EfiSystem, Is.True);
        Assert.That(disk.Volumes[0].FileSystem.Uuid, Is.EqualTo("1234-ABCD"));
        Assert.That(disk.Volumes[1].FileSystem.Uuid, Is.EqualTo(RootUuid));
        Assert.That(selection.Kernel.Path, Is.EqualTo("/boot/vmlinuz-6.1.0-57-cloud-amd64"));
        Assert.That(selection.Kernel.Volume.Partition!.Number, Is.EqualTo(2));
        Assert.That(selection.Initrds.Select(i => i.Path), Is.EqualTo(new[] { "/boot/initrd.img-6.1.0-57-cloud-amd64" }));
        Assert.That(selection.CommandLine, Is.EqualTo($"root=UUID={RootUuid} ro console=tty0 console=ttyS0,115200 earlyprintk=ttyS0,115200 consoleblank=0"));
        Assert.That(selection.Source, Does.Contain("/boot/grub/grub.cfg").And.Contain("'Debian GNU/Linux'"));
        Assert.That(KernelHash(selection), Is.EqualTo(StockKernelHash), "the kernel read through the extent tree is the stock kernel byte for byte");
    }

    [Test]
    public void Ext4FollowsRelativeSymlinksAndListsDirectories()
    {
        var (_, disk, handle) = Find("gpt-grub.raw");
        using var _ = handle;
        var root = disk.Volumes[1].FileSystem;
        Assert.That(root.Open("/vmlinuz")!.Length, Is.EqualTo(new FileInfo(BootDisks.Kernel!).Length));
        Assert.That(root.Open("/boot/../initrd.img"), Is.Not.Null);
        Assert.That(root.Open("/no/such/file"), Is.Null);
        Assert.That(root.List("/boot"), Is.SupersetOf(new[] { "grub", "vmlinuz-6.1.0-57-cloud-amd64", "initrd.img-6.1.0-10-cloud-amd64" }));
        var esp = disk.Volumes[0].FileSystem;
        Assert.That(esp.List("/efi"), Is.EqualTo(new[] { "debian" }), "FAT names compare without case");
    }

    [Test]
    public void SeparateBootWithBlsEntriesTakesTheHighestVersionAndKerneloptsFromGrubenv()
    {
        var (selection, _, handle) = Find("bls-boot.raw");
        using var _ = handle;
        Assert.That(selection.Kernel.Path, Is.EqualTo("/vmlinuz-6.5.6-300.fc39.x86_64"));
        Assert.That(selection.Kernel.Volume.Partition!.Number, Is.EqualTo(1));
        Assert.That(selection.Initrds.Select(i => i.Path), Is.EqualTo(new[] { "/initramfs-6.5.6-300.fc39.x86_64.img" }));
        Assert.That(selection.CommandLine, Is.EqualTo($"root=UUID={RootUuid} ro console=ttyS0 rhgb quiet"));
        Assert.That(selection.Source, Does.Contain("BLS entry"));
        Assert.That(KernelHash(selection), Is.EqualTo(StockKernelHash));
    }

    [Test]
    public void MbrDiskWithExtlinuxTakesTheMenuDefaultLabel()
    {
        var (selection, disk, handle) = Find("extlinux-mbr.raw");
        using var _ = handle;
        Assert.That(disk.Volumes.Single().Partition!.Bootable, Is.True);
        Assert.That(selection.Kernel.Path, Is.EqualTo("/boot/vmlinuz-virt"));
        Assert.That(selection.Initrds.Select(i => i.Path), Is.EqualTo(new[] { "/boot/initramfs-virt" }));
        Assert.That(selection.CommandLine, Is.EqualTo($"root=UUID={RootUuid} modules=sd-mod,usb-storage,ext4 console=ttyS0,115200 rootfstype=ext4"));
        Assert.That(KernelHash(selection), Is.EqualTo(StockKernelHash));
    }

    [Test]
    public void SystemdBootReadsLoaderConfAndTheKernelFromAFat32Esp()
    {
        var (selection, disk, handle) = Find("systemd-boot.raw");
        using var _ = handle;
        Assert.That(disk.Volumes[0].FileSystem.Kind, Is.EqualTo("vfat"));
        Assert.That(selection.Source, Does.StartWith("systemd-boot /loader/loader.conf"));
        Assert.That(selection.Kernel.Path, Is.EqualTo("/0123456789abcdef0123456789abcdef/6.1.0-57-cloud-amd64/linux"));
        Assert.That(selection.CommandLine, Is.EqualTo($"root=UUID={RootUuid} ro quiet"));
        Assert.That(KernelHash(selection), Is.EqualTo(StockKernelHash), "the kernel read through the FAT32 cluster chain is the stock kernel");
    }

    [Test]
    public void MbrGrubWithSetRootAndVariables()
    {
        var (selection, _, handle) = Find("mbr-grub.raw");
        using var _ = handle;
        Assert.That(selection.Kernel.Path, Is.EqualTo("/boot/vmlinuz-6.1.0-57-cloud-amd64"));
        Assert.That(selection.CommandLine, Is.EqualTo($"root=UUID={RootUuid} ro console=ttyS0"));
        Assert.That(selection.Initrds, Has.Count.EqualTo(1));
    }

    [Test]
    public void ExtractCopiesKernelAndInitrdIntoFiles()
    {
        var (selection, _, handle) = Find("gpt-grub.raw");
        using var _ = handle;
        var directory = Directory.CreateTempSubdirectory("cloudbox-bootfiles-");
        try
        {
            BootFileFinder.Extract(selection, Path.Combine(directory.FullName, "kernel"), Path.Combine(directory.FullName, "initrd"), CancellationToken.None);
            Assert.That(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(directory.FullName, "kernel")))), Is.EqualTo(StockKernelHash));
            var initrd = File.ReadAllBytes(Path.Combine(directory.FullName, "initrd"));
            Assert.That(System.Text.Encoding.ASCII.GetString(initrd, 0, 6), Is.EqualTo("070701"), "the initrd is the image's newc cpio");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Test]
    public void ADiskWithoutBootConfigurationSaysWhatWasLookedForAndWhere()
    {
        var disk = BootDisk.Open(new DiskRegion(new byte[1 << 20]));
        var error = Assert.Throws<BootConfigurationNotFoundException>(() => BootFileFinder.Find(disk))!;
        Assert.That(error.Message, Does.Contain("/boot/grub/grub.cfg").And.Contain("loader/entries").And.Contain("extlinux.conf").And.Contain("the whole disk"));
    }
}
