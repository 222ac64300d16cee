using System.Security.Cryptography;
using System.Text;
using CloudBox.Testing.Guests;

namespace CloudBox.Compute.Tests.BootFiles;

/// <summary>
/// The synthetic whole-disk images of packaging/guest/build-boot-disks.sh, built once per content (the script and
/// the stock kernel) into the temp directory. The kernel inside is the stock one of linux-image-cloud-amd64.
/// </summary>
internal static class BootDisks
{
    private static readonly Lazy<string?> Built = new(Build);

    public static string? Kernel => Directory.Exists("/boot") ? Directory.GetFiles("/boot", "vmlinuz-*").Order().LastOrDefault() : null;

    /// <summary>The directory with the disks; the test is ignored (with the reason) when the tools or the kernel are missing.</summary>
    public static string Directory_
    {
        get
        {
            if (Kernel is null)
                Assert.Ignore("linux-image-cloud-amd64 is not installed (no /boot/vmlinuz-*): the synthetic disks hold its kernel");
            return Built.Value ?? throw new InvalidOperationException("build-boot-disks.sh failed");
        }
    }

    public static string PathOf(string name) => Path.Combine(Directory_, name);

    private static string? Build()
    {
        var script = Path.Combine(TestGuest.RepositoryRoot, "packaging", "guest", "build-boot-disks.sh");
        var kernel = Kernel!;
        var key = File.ReadAllText(script) + kernel + new FileInfo(kernel).Length;
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16];
        var output = Path.Combine(Path.GetTempPath(), "cloudbox-test-guests", $"boot-disks-{hash}");
        if (File.Exists(Path.Combine(output, "mbr-grub.raw")))
            return output;
        var temporary = output + ".tmp" + Environment.ProcessId;
        CGuestCompiler.Run("bash", [script, temporary, kernel]);
        if (Directory.Exists(output))
            Directory.Delete(output, recursive: true);
        Directory.Move(temporary, output);
        return output;
    }
}
