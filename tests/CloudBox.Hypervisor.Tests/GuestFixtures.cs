using System.Diagnostics;

namespace CloudBox.Hypervisor.Tests;

/// <summary>
/// The Debian test guest (kernel + busybox initramfs) built once per test run by packaging/guest/build-initramfs.sh,
/// which caches it outside the repository and rebuilds only when an input changed.
/// </summary>
public static class GuestFixtures
{
    private static readonly Lazy<string> s_directory = new(Build);

    /// <summary>Skips the test (counted as ignored) when the host has no KVM.</summary>
    public static void RequireKvm()
    {
        if (!File.Exists("/dev/kvm")) Assert.Ignore("/dev/kvm is missing: KVM guests cannot run on this host");
    }

    public static string Directory => s_directory.Value;
    public static string Vmlinux => Path.Combine(Directory, "vmlinux");
    public static string BzImage => Path.Combine(Directory, "vmlinuz");
    public static string Initramfs => Path.Combine(Directory, "initramfs.cpio");

    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "CloudBox.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root (CloudBox.sln) above " + AppContext.BaseDirectory);
        }
    }

    private static string Build()
    {
        var script = Path.Combine(RepositoryRoot, "packaging", "guest", "build-initramfs.sh");
        var start = new ProcessStartInfo("/bin/sh", [script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{script} failed ({process.ExitCode}): {errors.Trim()} (CI needs: busybox-static linux-image-cloud-amd64 cpio lz4 kmod)");
        var lines = output.Trim().Split('\n');
        return lines[^1].Trim();
    }
}
