using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace CloudBox.Compute.Tests;

/// <summary>
/// Compiles a freestanding C test guest (tests/CloudBox.Compute.Tests/Guests/NAME.c, which defines
/// <c>void guest_main(u32 start_info)</c>) into a PVH ELF kernel with the benchmark guest's entry code and linker script
/// (benchmarks/hypervisor/guest: pvh_start.S, bench.ld) and the test guests' shared header
/// (tests/CloudBox.Hypervisor.Tests/Guests/guest.h). Compute boots it like any kernel image (`cloudbox vmm --kernel`),
/// its command line coming from the image's <c>os_command_line</c>: a guest that does its work in a second instead of
/// a Linux kernel that takes minutes on this emulated host. Cached by the hash of its sources. Null (with why) when
/// gcc is missing.
/// </summary>
internal static class PvhGuest
{
    private static readonly string[] Flags =
    [
        "-m64", "-ffreestanding", "-fno-pic", "-fno-pie", "-no-pie", "-nostdlib", "-static", "-O2", "-mno-red-zone",
        "-mgeneral-regs-only", "-fno-stack-protector", "-fno-asynchronous-unwind-tables", "-fcf-protection=none", "-Wall", "-Werror",
        "-Wno-unused-function", "-Wl,--build-id=none",
    ];

    public static string? Build(string name, out string why)
    {
        var root = TestGuest.RepositoryRoot;
        var entry = Path.Combine(root, "benchmarks", "hypervisor", "guest", "pvh_start.S");
        var script = Path.Combine(root, "benchmarks", "hypervisor", "guest", "bench.ld");
        var header = Path.Combine(root, "tests", "CloudBox.Hypervisor.Tests", "Guests", "guest.h");
        var source = Path.Combine(root, "tests", "CloudBox.Compute.Tests", "Guests", name + ".c");
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Concat(new[] { entry, script, header, source }.Select(File.ReadAllText)))))[..16];
        var cache = Path.Combine(Path.GetTempPath(), "cloudbox-test-guests");
        Directory.CreateDirectory(cache);
        var elf = Path.Combine(cache, $"{name}-pvh-{hash}.elf");
        why = "";
        if (File.Exists(elf))
            return elf;
        var start = new ProcessStartInfo("gcc", [.. Flags, "-I", Path.GetDirectoryName(header)!, "-T", script, "-o", elf + ".tmp", entry, source])
        { RedirectStandardError = true, RedirectStandardOutput = true };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            why = "gcc is not installed: the C test guests cannot be built (CI needs: gcc binutils)";
            return null;
        }
        using (process)
        {
            var errors = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"gcc failed on {source}: {errors}");
        }
        File.Move(elf + ".tmp", elf, overwrite: true);
        return elf;
    }
}
