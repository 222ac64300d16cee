using System.Text.Json;
using CloudBox.Linux.FileSystem;

namespace CloudBox.Hypervisor.Configuration;

/// <summary>
/// A <see cref="VmConfig"/> as the JSON file <c>cloudbox vmm --config</c> reads: the one contract between whoever
/// starts a VMM (Compute) and the VMM, compiled by both, so no side renders or parses the other's strings.
/// </summary>
public static class VmConfigFile
{
    /// <summary>Writes <paramref name="config"/> to <paramref name="path"/> atomically (root-only: it names the disks and taps).</summary>
    public static void Write(string path, VmConfig config) =>
        AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(config, VmConfigJsonContext.Default.VmConfig),
            UnixFileMode.UserRead | UnixFileMode.UserWrite);

    /// <summary>Reads and validates a configuration file; a missing, unreadable or invalid one is a <see cref="VmmArgumentException"/>.</summary>
    public static VmConfig Read(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize(stream, VmConfigJsonContext.Default.VmConfig) ?? throw new VmmArgumentException($"{path}: empty configuration");
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new VmmArgumentException($"cannot read configuration {path}: {error.Message}");
        }
    }
}
