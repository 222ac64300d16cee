using System.Security.Cryptography;
using CloudBox.Compute.Build.BootFiles;
using Microsoft.Win32.SafeHandles;

namespace CloudBox.Compute.Tests.BootFiles;

/// <summary>
/// The XFS reader against xfs-bls.raw (build-boot-disks.sh): an XFS v5 root holding /boot with BLS entries and
/// grub2's blscfg grub.cfg, as RHEL 9, Rocky and Alma ship; the script checks with xfs_db that the kernel's extents are
/// in a bmap btree, that the directories are short-form, block, leaf and node, and that a symlink is remote. And
/// xfs-v4.raw: a whole-disk XFS v4 (no checksums: smaller inode cores and block headers).
/// </summary>
[TestFixture]
public sealed class XfsReaderTests
{
    private const string XfsUuid = "5c0d6f1e-2a3b-4c5d-8e9f-a0b1c2d3e4f5";
    private const string Version = "5.14.0-427.13.1.el9_4.x86_64";

    private static (BootDisk Disk, SafeFileHandle Handle) Open()
    {
        var path = BootDisks.PathOf("xfs-bls.raw");
        if (!File.Exists(path))
            Assert.Ignore("xfs-bls.raw was not built: build-boot-disks.sh makes it only as root (it loop-mounts the file system) with xfsprogs installed");
        var handle = File.OpenHandle(path);
        return (BootDisk.Open(new DiskRegion(handle, 0, RandomAccess.GetLength(handle))), handle);
    }

    private static byte[] Read(IBootFileSystem fs, string path)
    {
        var file = fs.Open(path) ?? throw new AssertionException($"{path} not found");
        using var buffer = new MemoryStream();
        file.CopyTo(buffer, BootFileFinder.MaxKernelBytes, CancellationToken.None);
        Assert.That(buffer.Length, Is.EqualTo(file.Length));
        return buffer.ToArray();
    }

    [Test]
    public void XfsRootWithBlsEntriesBootsTheSavedEntryWithKerneloptsFromGrubenv()
    {
        var (disk, handle) = Open();
        using var _ = handle;
        var volume = disk.Volumes.Single();
        Assert.That(volume.Partition!.Number, Is.EqualTo(2), "the BIOS boot partition holds no file system");
        Assert.That(volume.FileSystem.Kind, Is.EqualTo("xfs"));
        Assert.That(volume.FileSystem.Uuid, Is.EqualTo(XfsUuid));
        Assert.That(volume.FileSystem.Label, Is.EqualTo("root"));
        var selection = BootFileFinder.Find(disk);
        Assert.That(selection.Source, Does.Contain("/boot/loader/entries/0123456789abcdef0123456789abcdef-" + Version + ".conf"));
        Assert.That(selection.Kernel.Path, Is.EqualTo("/boot/vmlinuz-" + Version));
        Assert.That(selection.Initrds.Select(i => i.Path), Is.EqualTo(new[] { $"/boot/initramfs-{Version}.img" }));
        Assert.That(selection.CommandLine, Is.EqualTo($"root=UUID={XfsUuid} ro console=ttyS0,115200n8 no_timer_check net.ifnames=0"));
        var kernel = Read(volume.FileSystem, selection.Kernel.Path);
        Assert.That(Convert.ToHexString(SHA256.HashData(kernel)), Is.EqualTo(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(BootDisks.Kernel!)))),
            "the kernel read through its bmap btree (hundreds of extents) is the stock kernel byte for byte");
        var initrd = Read(volume.FileSystem, selection.Initrds[0].Path);
        Assert.That(System.Text.Encoding.ASCII.GetString(initrd, 0, 6), Is.EqualTo("070701"));
    }

    [Test]
    public void XfsListsShortFormBlockLeafAndNodeDirectories()
    {
        var (disk, handle) = Open();
        using var _ = handle;
        var fs = disk.Volumes.Single().FileSystem;
        Assert.That(fs.List("/"), Is.EquivalentTo(new[] { "vmlinuz", "etc", "boot" }), "short-form root");
        Assert.That(fs.List("/boot/block-dir"), Is.EquivalentTo(Enumerable.Range(0, 40).Select(i => $"block-{i:D2}")), "block directory");
        Assert.That(fs.List("/boot/leaf-dir"), Is.EquivalentTo(Enumerable.Range(0, 200).Select(i => $"leaf-{i:D3}")), "leaf directory");
        var pad = new string('n', 190);
        Assert.That(fs.List("/boot/node-dir"), Is.EquivalentTo(Enumerable.Range(0, 600).Select(i => $"node-{i:D3}-{pad}")), "node directory, extents in a btree");
        Assert.That(Read(fs, $"/boot/node-dir/node-599-{pad}"), Is.EqualTo("x\n"u8.ToArray()), "a file found in the last data block of a node directory");
        Assert.That(fs.List("/boot/vmlinuz-" + Version), Is.Null, "a file is not a directory");
        Assert.That(fs.Open("/boot/node-dir/node-600-" + pad), Is.Null);
    }

    [Test]
    public void XfsFollowsLocalAndRemoteSymlinksAndReadsHolesAndUnwrittenExtentsAsZeros()
    {
        var (disk, handle) = Open();
        using var _ = handle;
        var fs = disk.Volumes.Single().FileSystem;
        var kernelLength = new FileInfo(BootDisks.Kernel!).Length;
        Assert.That(fs.Open("/vmlinuz")!.Length, Is.EqualTo(kernelLength), "a relative symlink inside the inode");
        Assert.That(fs.Open("/boot/long-link")!.Length, Is.EqualTo(kernelLength), "a 440-byte absolute symlink in a block with its v5 header");
        Assert.That(fs.Open("/boot/grub2/../loader/entries/0123456789abcdef0123456789abcdef-" + Version + ".conf"), Is.Not.Null);

        var filler = Read(fs, "/boot/sparse-filler");
        Assert.That(filler.Length % 8192, Is.EqualTo(4096), "4 KiB written every 8 KiB, through a btree of extents");
        for (var block = 0; block < filler.Length / 4096; block++)
        {
            var expected = block % 2 == 0 ? (byte)'Z' : (byte)0;
            Assert.That(filler.AsSpan(block * 4096, 4096).IndexOfAnyExcept(expected), Is.EqualTo(-1), $"block {block} of the sparse file");
        }
        var preallocated = Read(fs, "/boot/preallocated");
        Assert.That(preallocated, Has.Length.EqualTo(65536));
        Assert.That(preallocated.AsSpan(0, 4096).IndexOfAnyExcept((byte)0x41), Is.EqualTo(-1));
        Assert.That(preallocated.AsSpan(4096).IndexOfAnyExcept((byte)0), Is.EqualTo(-1), "an unwritten extent reads as zeros, not as the disk's stale blocks");
    }

    [Test]
    public void XfsRefusesAnUnknownIncompatibleFeatureAndAFileSystemLargerThanItsPartition()
    {
        var (disk, handle) = Open();
        var partition = disk.Volumes.Single().Partition!;
        var image = new byte[partition.Length];
        RandomAccess.Read(handle, image, partition.Start);
        handle.Dispose();

        var unknownFeature = (byte[])image.Clone();
        unknownFeature[216] |= 0x80; // the highest byte of sb_features_incompat
        var error = Assert.Throws<BootFormatException>(() => XfsFileSystem.Open(new DiskRegion(unknownFeature)))!;
        Assert.That(error.Message, Does.Contain("incompatible features"));

        var truncated = image.AsSpan(0, image.Length / 2).ToArray();
        error = Assert.Throws<BootFormatException>(() => XfsFileSystem.Open(new DiskRegion(truncated)))!;
        Assert.That(error.Message, Does.Contain("larger than its partition"));
    }

    [Test]
    public void AWholeDiskXfsV4WithoutChecksumsBootsItsGrubCfg()
    {
        var path = BootDisks.PathOf("xfs-v4.raw");
        if (!File.Exists(path))
            Assert.Ignore("xfs-v4.raw was not built: xfsprogs (mkfs.xfs) is not installed");
        using var handle = File.OpenHandle(path);
        var disk = BootDisk.Open(new DiskRegion(handle, 0, RandomAccess.GetLength(handle)));
        var volume = disk.Volumes.Single();
        Assert.That(volume.Partition, Is.Null, "no partition table: the file system is the whole disk");
        Assert.That((volume.FileSystem.Kind, volume.FileSystem.Label), Is.EqualTo(("xfs", "v4root")));
        var selection = BootFileFinder.Find(disk);
        Assert.That(selection.Source, Does.Contain("/boot/grub2/grub.cfg"));
        Assert.That(selection.Kernel.Path, Is.EqualTo("/boot/vmlinuz-5.14.0-362.8.1.el9_3.x86_64"));
        Assert.That(selection.CommandLine, Is.EqualTo("root=LABEL=v4root ro console=ttyS0"));
        Assert.That(Convert.ToHexString(SHA256.HashData(Read(volume.FileSystem, selection.Kernel.Path))),
            Is.EqualTo(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(BootDisks.Kernel!)))));
        Assert.That(volume.FileSystem.List("/boot/block-dir"), Is.EquivalentTo(Enumerable.Range(0, 40).Select(i => $"block-{i:D2}")), "a v4 block directory");
        Assert.That(volume.FileSystem.List("/boot/leaf-dir"), Is.EquivalentTo(Enumerable.Range(0, 200).Select(i => $"leaf-{i:D3}")), "a v4 leaf directory");
    }
}
