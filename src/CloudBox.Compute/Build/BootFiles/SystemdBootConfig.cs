using System.Text;
using System.Text.RegularExpressions;

namespace CloudBox.Compute.Build.BootFiles;

/// <summary>
/// systemd-boot on the EFI system partition: <c>/loader/loader.conf</c>'s <c>default</c> (a glob over entry
/// names; <c>@saved</c>, kept in an EFI variable this machine has none of, means the first) and the BLS entries in
/// <c>/loader/entries</c>.
/// </summary>
internal static class SystemdBootConfig
{
    public const string LoaderConf = "/loader/loader.conf";

    public static BootSelection? Select(BootDisk disk, BootVolume esp)
    {
        var loader = esp.FileSystem.Open(LoaderConf);
        if (loader is null) return null;
        string? pattern = null;
        foreach (var raw in Encoding.UTF8.GetString(loader.ReadAll(64 * 1024)).Split('\n'))
        {
            var words = raw.Trim().Split([' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 2 && words[0] == "default") pattern = words[1].Trim();
        }
        var entries = BlsEntries.Read(disk, esp, _ => null);
        if (entries.Count == 0) return null;
        if (pattern is not null && !pattern.StartsWith('@'))
        {
            var regex = new Regex("^" + Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".") + "$", RegexOptions.None, TimeSpan.FromSeconds(1));
            var match = entries.FirstOrDefault(e => regex.IsMatch(e.Id + ".conf") || regex.IsMatch(e.Id));
            if (match is not null)
                return match.Selection with { Source = $"systemd-boot {LoaderConf} on {esp.Describe()}: {match.Selection.Source}" };
        }
        return entries[0].Selection with { Source = $"systemd-boot {LoaderConf} on {esp.Describe()}: {entries[0].Selection.Source}" };
    }
}
