using CloudBox.Core.Data;
using CloudBox.Hosting;
using CloudBox.Linux.FileSystem;
using CloudBox.Testing;

namespace CloudBox.Core.Tests.Data;

/// <summary>Data at rest is readable by CloudBox alone: the serve start-up repairs an existing data directory and sets umask 077 for all it creates.</summary>
[NonParallelizable]
public sealed class DataDirectorySecurityTests
{
    private const UnixFileMode GroupOrOther = DataDirectorySecurity.Mask;

    [Test]
    public async Task An_existing_data_directory_is_made_owner_only_and_everything_created_after_is_too()
    {
        var previous = FileModeMask.Set(0);
        FileModeMask.Set(previous);
        var root = Directory.CreateTempSubdirectory("cloudbox-modes-").FullName;
        try
        {
            // A data directory as an older CloudBox (or a restore) left it.
            var all = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
                | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
            File.SetUnixFileMode(root, all);
            var volumes = Directory.CreateDirectory(Path.Combine(root, "volumes"), all).FullName;
            var disk = Path.Combine(volumes, "disk.raw");
            await File.WriteAllBytesAsync(disk, new byte[4096]);
            File.SetUnixFileMode(disk, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            var outside = Path.Combine(Path.GetTempPath(), "cloudbox-modes-outside-" + Guid.NewGuid().ToString("N"));
            await File.WriteAllTextAsync(outside, "not CloudBox's");
            File.SetUnixFileMode(outside, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
            File.CreateSymbolicLink(Path.Combine(root, "link"), outside);

            var repaired = DataDirectorySecurity.Apply(root);

            Assert.That(repaired, Is.EqualTo(3), "the directory, its subdirectory and the disk");
            Assert.That(File.GetUnixFileMode(root), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
            Assert.That(File.GetUnixFileMode(volumes) & GroupOrOther, Is.EqualTo((UnixFileMode)0));
            Assert.That(File.GetUnixFileMode(disk), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
            Assert.That(File.GetUnixFileMode(outside) & UnixFileMode.OtherRead, Is.EqualTo(UnixFileMode.OtherRead), "a link is never followed");
            File.Delete(outside);

            // A real cloud on it after the start-up step: its database, WAL, keys and blobs are owner-only.
            await using (var cloud = await TestCloud.StartAsync(DatabaseEngine.Sqlite, options => options.DataDirectory = root))
            {
                var token = await cloud.AdminTokenAsync();
                Assert.That(token, Is.Not.Empty);
                var open = Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
                    .Where(p => new FileInfo(p).LinkTarget is null && (File.GetUnixFileMode(p) & GroupOrOther) != 0)
                    .ToList();
                Assert.That(Directory.EnumerateFiles(root, "*.db*", SearchOption.AllDirectories), Is.Not.Empty);
                Assert.That(open, Is.Empty, "entries readable by group or others");
            }
            Assert.That(DataDirectorySecurity.Apply(root), Is.EqualTo(0), "nothing left to repair");
        }
        finally
        {
            FileModeMask.Set(previous);
            Directory.Delete(root, recursive: true);
        }
    }
}
