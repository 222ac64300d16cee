using CloudBox.Testing.Guests;

namespace CloudBox.Hypervisor.Tests;

/// <summary>
/// Compiles a freestanding C test guest from Guests/ with the machine's gcc into a flat binary for 1 MiB (see
/// Guests/guest.ld), cached by the hash of its sources so a test run compiles each guest once.
/// </summary>
public static class GccGuest
{
    public static byte[] Build(string sourceName)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "Guests");
        var source = Path.Combine(directory, sourceName);
        var script = Path.Combine(directory, "guest.ld");
        try
        {
            var binary = CGuestCompiler.Cached(Path.GetFileNameWithoutExtension(sourceName), ".bin", [source, Path.Combine(directory, "guest.h"), script], output =>
            {
                var elf = output + ".elf";
                CGuestCompiler.Run("gcc", [.. CGuestCompiler.Flags, "-T", script, "-o", elf, source]);
                CGuestCompiler.Run("objcopy", ["-O", "binary", elf, output]);
                File.Delete(elf);
            });
            return File.ReadAllBytes(binary);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Ignore("gcc or objcopy is not installed: the C test guests cannot be built (CI needs: gcc binutils)");
            throw;
        }
    }
}
