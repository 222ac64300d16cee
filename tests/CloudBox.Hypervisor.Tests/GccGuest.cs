using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace CloudBox.Hypervisor.Tests;

/// <summary>
/// Compiles a freestanding C test guest from Guests/ with the machine's gcc into a flat binary for 1 MiB (see
/// Guests/guest.ld), cached by the hash of its sources so a test run compiles each guest once.
/// </summary>
public static class GccGuest
{
    private static readonly string[] Flags =
    [
        "-m64", "-ffreestanding", "-fno-pic", "-fno-pie", "-no-pie", "-nostdlib", "-static", "-O2", "-mno-red-zone",
        "-mgeneral-regs-only", "-fno-stack-protector", "-fno-asynchronous-unwind-tables", "-fcf-protection=none", "-Wall", "-Werror",
        "-Wl,--build-id=none",
    ];

    public static byte[] Build(string sourceName)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "Guests");
        var source = Path.Combine(directory, sourceName);
        var script = Path.Combine(directory, "guest.ld");
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(
            File.ReadAllText(source) + File.ReadAllText(Path.Combine(directory, "guest.h")) + File.ReadAllText(script))))[..16];
        var cache = Path.Combine(Path.GetTempPath(), "cloudbox-test-guests");
        Directory.CreateDirectory(cache);
        var binary = Path.Combine(cache, $"{Path.GetFileNameWithoutExtension(sourceName)}-{hash}.bin");
        if (File.Exists(binary)) return File.ReadAllBytes(binary);
        var elf = binary + ".elf";
        Run("gcc", [.. Flags, "-T", script, "-o", elf, source]);
        Run("objcopy", ["-O", "binary", elf, binary + ".tmp"]);
        File.Move(binary + ".tmp", binary, overwrite: true);
        File.Delete(elf);
        return File.ReadAllBytes(binary);
    }

    private static void Run(string tool, string[] arguments)
    {
        var start = new ProcessStartInfo(tool, arguments) { RedirectStandardError = true, RedirectStandardOutput = true };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Ignore($"{tool} is not installed: the C test guests cannot be built (CI needs: gcc binutils)");
            throw;
        }
        using (process)
        {
            var errors = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException($"{tool} failed: {errors}");
        }
    }
}
