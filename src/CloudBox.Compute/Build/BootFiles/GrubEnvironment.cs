using System.Text;

namespace CloudBox.Compute.Build.BootFiles;

/// <summary>GRUB's <c>grubenv</c>: a 1 KiB block of <c>name=value</c> lines padded with '#'.</summary>
internal static class GrubEnvironment
{
    public static IEnumerable<(string Name, string Value)> Parse(byte[] data)
    {
        foreach (var line in Encoding.UTF8.GetString(data).Split('\n'))
        {
            if (line.StartsWith('#')) continue;
            var equals = line.IndexOf('=');
            if (equals <= 0) continue;
            yield return (line[..equals], line[(equals + 1)..].Replace("\\n", "\n").Replace("\\\\", "\\"));
        }
    }
}
