using CloudBox.Testing.Guests;

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
    public static string? Build(string name, out string why)
    {
        var root = TestGuest.RepositoryRoot;
        var entry = Path.Combine(root, "benchmarks", "hypervisor", "guest", "pvh_start.S");
        var script = Path.Combine(root, "benchmarks", "hypervisor", "guest", "bench.ld");
        var header = Path.Combine(root, "tests", "CloudBox.Hypervisor.Tests", "Guests", "guest.h");
        var source = Path.Combine(root, "tests", "CloudBox.Compute.Tests", "Guests", name + ".c");
        why = "";
        try
        {
            return CGuestCompiler.Cached(name + "-pvh", ".elf", [entry, script, header, source], output =>
                CGuestCompiler.Run("gcc", [.. CGuestCompiler.Flags, "-Wno-unused-function", "-I", Path.GetDirectoryName(header)!, "-T", script,
                    "-o", output, entry, source]));
        }
        catch (System.ComponentModel.Win32Exception)
        {
            why = "gcc is not installed: the C test guests cannot be built (CI needs: gcc binutils)";
            return null;
        }
    }
}
