using System.Text;
using System.Text.RegularExpressions;

namespace CloudBox.Compute.Build.BootFiles;

/// <summary>
/// Boot Loader Specification entries (<c>/loader/entries/*.conf</c> on a separate /boot or the ESP,
/// <c>/boot/loader/entries/*.conf</c> on a root file system): <c>title</c>, <c>version</c>, <c>linux</c>,
/// <c>initrd</c> (repeatable, variables expanded), <c>options</c> (repeatable, <c>$kernelopts</c> and other variables from grubenv
/// expanded). Sorted as GRUB's blscfg does: highest version first. At most 256 entries of 64 KiB.
/// </summary>
internal static partial class BlsEntries
{
    private const int MaxEntries = 256;

    public sealed record Entry(string Id, string Title, string Version, BootSelection Selection);

    public static readonly string[] Directories = ["/loader/entries", "/boot/loader/entries"];

    public static List<Entry> Read(BootDisk disk, BootVolume volume, Func<string, string?> variable)
    {
        var entries = new List<Entry>();
        foreach (var directory in Directories)
        {
            var names = volume.FileSystem.List(directory);
            if (names is null) continue;
            foreach (var name in names.Where(n => n.EndsWith(".conf", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).Take(MaxEntries))
            {
                var entry = Parse(volume, directory, name, variable);
                if (entry is not null) entries.Add(entry);
            }
            if (entries.Count > 0) break;
        }
        entries.Sort((a, b) =>
        {
            var byVersion = VersionOrder.Compare(b.Version, a.Version);
            return byVersion != 0 ? byVersion : string.CompareOrdinal(b.Id, a.Id);
        });
        return entries;
    }

    private static Entry? Parse(BootVolume volume, string directory, string name, Func<string, string?> variable)
    {
        var path = $"{directory}/{name}";
        var file = volume.FileSystem.Open(path);
        if (file is null) return null;
        string? title = null, version = null, linux = null;
        var initrds = new List<string>();
        var options = new List<string>();
        foreach (var raw in Encoding.UTF8.GetString(file.ReadAll(64 * 1024)).Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var space = line.IndexOfAny([' ', '\t']);
            var key = space < 0 ? line : line[..space];
            var value = space < 0 ? "" : line[(space + 1)..].Trim();
            switch (key)
            {
                case "title": title = value; break;
                case "version": version = value; break;
                case "linux": linux = value; break;
                case "initrd": initrds.Add(value); break;
                case "options": options.Add(value); break;
            }
        }
        if (linux is null) return null;
        var id = name[..^".conf".Length];
        string Expand(string text) => VariablePattern().Replace(text, m => variable(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value) ?? "");
        var commandLine = Expand(string.Join(' ', options));
        // RHEL 9 writes "initrd /initramfs-….img $tuned_initrd": variables expand, and an unset one adds no initrd.
        var initrdPaths = initrds.SelectMany(i => Expand(i).Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        var onBoot = directory.StartsWith("/boot/", StringComparison.Ordinal);
        BootVolumeFile Locate(string file) =>
            new(volume, onBoot && volume.FileSystem.Open(file) is null ? "/boot" + (file.StartsWith('/') ? file : "/" + file) : file.StartsWith('/') ? file : "/" + file);
        var selection = new BootSelection(Locate(linux), initrdPaths.Select(Locate).ToList(), string.Join(' ', commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries)),
            $"BLS entry {path} on {volume.Describe()}");
        return new Entry(id, title ?? id, version ?? "", selection);
    }

    [GeneratedRegex(@"\$\{([A-Za-z0-9_]+)\}|\$([A-Za-z0-9_]+)")]
    private static partial Regex VariablePattern();
}
