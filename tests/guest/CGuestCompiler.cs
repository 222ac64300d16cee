using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace CloudBox.Testing.Guests;

/// <summary>
/// Builds freestanding C test guests with the machine's gcc, once per content: the output is cached under the temp
/// directory by the hash of every input file. Linked into the test projects that boot such guests (Hypervisor: flat
/// binaries; Compute: PVH kernels). A missing gcc or objcopy surfaces as <see cref="System.ComponentModel.Win32Exception"/>.
/// </summary>
internal static class CGuestCompiler
{
    /// <summary>64-bit, freestanding, no red zone or SSE (the guests run without an FPU set up), no hidden runtime code.</summary>
    public static readonly string[] Flags =
    [
        "-m64", "-ffreestanding", "-fno-pic", "-fno-pie", "-no-pie", "-nostdlib", "-static", "-O2", "-mno-red-zone",
        "-mgeneral-regs-only", "-fno-stack-protector", "-fno-asynchronous-unwind-tables", "-fcf-protection=none", "-Wall", "-Werror",
        "-Wl,--build-id=none",
    ];

    /// <summary>The cached output for these inputs; <paramref name="build"/> writes it (to the path it is given) when absent.</summary>
    public static string Cached(string name, string extension, IEnumerable<string> inputs, Action<string> build)
    {
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Concat(inputs.Select(File.ReadAllText)))))[..16];
        var cache = Path.Combine(Path.GetTempPath(), "cloudbox-test-guests");
        Directory.CreateDirectory(cache);
        var output = Path.Combine(cache, $"{name}-{hash}{extension}");
        if (File.Exists(output))
            return output;
        build(output + ".tmp");
        File.Move(output + ".tmp", output, overwrite: true);
        return output;
    }

    /// <summary>Runs a tool to its end; throws with its error output when it fails.</summary>
    public static void Run(string tool, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(tool, arguments) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{tool} failed: {errors}");
    }
}
