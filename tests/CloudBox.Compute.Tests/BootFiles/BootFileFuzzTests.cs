using System.Diagnostics;
using CloudBox.Compute.Build.BootFiles;

namespace CloudBox.Compute.Tests.BootFiles;

/// <summary>
/// Random mutations of the synthetic disks' metadata (partition tables, superblocks, group descriptors, inode
/// tables, directories, FATs, configuration files: the first megabytes of the disk, of each partition and of each XFS
/// allocation group, and every block of 64 KiB or less the readers read on the intact disk), a fixed
/// number of iterations (150; CLOUDBOX_BOOT_FUZZ_ITERATIONS for a longer run) from a fixed seed: every run ends in a selection or in one of the reader's two clear
/// errors, never another exception, and in bounded time.
/// </summary>
[TestFixture]
public sealed class BootFileFuzzTests
{
    [TestCase("gpt-grub.raw", 1)]
    [TestCase("bls-boot.raw", 2)]
    [TestCase("extlinux-mbr.raw", 3)]
    [TestCase("systemd-boot.raw", 4)]
    [TestCase("mbr-grub.raw", 5)]
    [TestCase("xfs-bls.raw", 6)]
    [TestCase("xfs-v4.raw", 7)]
    public void MutatedDisksFailCleanlyAndQuickly(string name, int seed)
    {
        var path = BootDisks.PathOf(name);
        if (!File.Exists(path))
            Assert.Ignore($"{name} was not built: the XFS disks need xfsprogs, and xfs-bls.raw root (a loop mount)");
        var disk = File.ReadAllBytes(path);
        var partitions = PartitionTable.Read(new DiskRegion(disk));
        var hot = new List<(long Start, long Length)> { (0, 64 * 1024) };
        hot.AddRange(partitions.Select(p => (p.Start, Math.Min(p.Length, 2L << 20))));
        foreach (var partition in partitions)
            hot.AddRange(XfsGroupStarts(disk, partition));
        // And every block the readers read on the intact disk, but the file contents: its metadata and configuration.
        var reads = new List<(long Start, long Length)>();
        Run(new DiskRegion(disk, (at, length) => { if (length <= 64 * 1024) reads.Add((at, length)); }));
        hot.AddRange(reads.Distinct());
        var random = new Random(seed);
        var undo = new List<(long At, byte Value)>();
        var outcomes = new Dictionary<string, int>();
        var slowest = TimeSpan.Zero;
        var iterations = int.TryParse(Environment.GetEnvironmentVariable("CLOUDBOX_BOOT_FUZZ_ITERATIONS"), out var set) ? set : 150;
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            for (var i = undo.Count - 1; i >= 0; i--)
                disk[undo[i].At] = undo[i].Value; // back to the original disk
            undo.Clear();
            var mutations = random.Next(1, 40);
            for (var m = 0; m < mutations; m++)
            {
                var (start, length) = hot[random.Next(hot.Count)];
                var at = start + random.NextInt64(length);
                undo.Add((at, disk[at]));
                disk[at] = random.Next(4) switch { 0 => 0, 1 => 0xFF, _ => (byte)random.Next(256) };
            }
            var clock = Stopwatch.StartNew();
            string outcome;
            try
            {
                Run(new DiskRegion(disk));
                outcome = "selected";
            }
            catch (BootFormatException)
            {
                outcome = "format error";
            }
            catch (BootConfigurationNotFoundException)
            {
                outcome = "not found";
            }
            catch (Exception error)
            {
                Assert.Fail($"iteration {iteration} of {name}: {error.GetType().Name}: {error.Message}\n{error.StackTrace}");
                return;
            }
            clock.Stop();
            if (clock.Elapsed > slowest) slowest = clock.Elapsed;
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        TestContext.Out.WriteLine($"{name}: {string.Join(", ", outcomes.Select(o => $"{o.Key} {o.Value}"))}; slowest {slowest.TotalMilliseconds:F0} ms");
        Assert.That(slowest, Is.LessThan(TimeSpan.FromSeconds(5)));
    }

    /// <summary>The first 2 MiB of each allocation group of an XFS partition: its headers, inode chunks and directory blocks.</summary>
    private static IEnumerable<(long Start, long Length)> XfsGroupStarts(byte[] disk, Partition partition)
    {
        var super = disk.AsSpan((int)partition.Start, 512);
        if (!super[..4].SequenceEqual("XFSB"u8))
            yield break;
        long blockSize = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(super[4..]);
        long groupBlocks = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(super[84..]);
        var groups = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(super[88..]);
        for (var group = 1; group < groups; group++)
        {
            var start = group * groupBlocks * blockSize;
            if (start < partition.Length)
                yield return (partition.Start + start, Math.Min(2L << 20, partition.Length - start));
        }
    }

    private static void Run(DiskRegion region)
    {
        var selection = BootFileFinder.Find(BootDisk.Open(region));
        var kernel = selection.Kernel.Volume.FileSystem.Open(selection.Kernel.Path);
        kernel?.CopyTo(Stream.Null, BootFileFinder.MaxKernelBytes, CancellationToken.None);
    }
}
