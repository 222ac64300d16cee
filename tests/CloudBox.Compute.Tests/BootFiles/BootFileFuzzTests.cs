using System.Diagnostics;
using CloudBox.Compute.Build.BootFiles;

namespace CloudBox.Compute.Tests.BootFiles;

/// <summary>
/// Random mutations of the synthetic disks' metadata (partition tables, superblocks, group descriptors, inode
/// tables, directories, FATs, configuration files: the first megabytes of the disk and of each partition), a fixed
/// number of iterations from a fixed seed: every run ends in a selection or in one of the reader's two clear
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
    public void MutatedDisksFailCleanlyAndQuickly(string name, int seed)
    {
        var original = File.ReadAllBytes(BootDisks.PathOf(name));
        var partitions = PartitionTable.Read(new DiskRegion(original));
        var hot = new List<(long Start, long Length)> { (0, 64 * 1024) };
        hot.AddRange(partitions.Select(p => (p.Start, Math.Min(p.Length, 2L << 20))));
        var random = new Random(seed);
        var disk = new byte[original.Length];
        var outcomes = new Dictionary<string, int>();
        var slowest = TimeSpan.Zero;
        for (var iteration = 0; iteration < 150; iteration++)
        {
            original.CopyTo(disk, 0);
            var mutations = random.Next(1, 40);
            for (var m = 0; m < mutations; m++)
            {
                var (start, length) = hot[random.Next(hot.Count)];
                var at = start + random.NextInt64(length);
                disk[at] = random.Next(4) switch { 0 => 0, 1 => 0xFF, _ => (byte)random.Next(256) };
            }
            var clock = Stopwatch.StartNew();
            string outcome;
            try
            {
                var selection = BootFileFinder.Find(BootDisk.Open(new DiskRegion(disk)));
                var kernel = selection.Kernel.Volume.FileSystem.Open(selection.Kernel.Path);
                kernel?.CopyTo(Stream.Null, BootFileFinder.MaxKernelBytes, CancellationToken.None);
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
}
