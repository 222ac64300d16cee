using System.Text;

namespace CloudBox.Compute.Build.BootFiles;

/// <summary>
/// <c>extlinux.conf</c>/<c>syslinux.cfg</c> (Alpine and others): <c>DEFAULT</c> (a label, or a kernel and its
/// options when no label has that name), <c>LABEL</c>, <c>KERNEL</c>/<c>LINUX</c>, <c>INITRD</c> (comma-separated),
/// <c>APPEND</c>, <c>MENU DEFAULT</c>. Relative paths are relative to the configuration file's directory.
/// </summary>
internal static class ExtlinuxConfig
{
    public static readonly string[] Paths =
    [
        "/boot/extlinux/extlinux.conf", "/extlinux/extlinux.conf", "/boot/extlinux.conf", "/extlinux.conf",
        "/boot/syslinux/syslinux.cfg", "/syslinux/syslinux.cfg", "/boot/syslinux.cfg", "/syslinux.cfg",
    ];

    private sealed class Label
    {
        public required string Name;
        public string? Kernel;
        public string? Initrd;
        public string? Append;
        public bool MenuDefault;
    }

    public static BootSelection? Select(BootVolume volume, string path)
    {
        var file = volume.FileSystem.Open(path);
        if (file is null) return null;
        var labels = new List<Label>();
        string? defaultName = null;
        Label? current = null;
        foreach (var raw in Encoding.UTF8.GetString(file.ReadAll(256 * 1024)).Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var space = line.IndexOfAny([' ', '\t']);
            var key = (space < 0 ? line : line[..space]).ToUpperInvariant();
            var value = space < 0 ? "" : line[(space + 1)..].Trim();
            switch (key)
            {
                case "DEFAULT": defaultName = value; break;
                case "LABEL":
                    if (labels.Count >= 1024) throw new BootFormatException($"{path} has too many labels");
                    current = new Label { Name = value };
                    labels.Add(current);
                    break;
                case "KERNEL" or "LINUX": if (current is not null) current.Kernel = value; break;
                case "INITRD": if (current is not null) current.Initrd = value; break;
                case "APPEND": if (current is not null) current.Append = value; break;
                case "MENU" when value.Equals("DEFAULT", StringComparison.OrdinalIgnoreCase):
                    if (current is not null) current.MenuDefault = true;
                    break;
            }
        }
        var directory = path[..(path.LastIndexOf('/') + 1)];
        BootVolumeFile Locate(string name) => new(volume, name.StartsWith('/') ? name : directory + name);

        var chosen = labels.FirstOrDefault(l => l.Name == defaultName && l.Kernel is not null)
            ?? labels.FirstOrDefault(l => l.MenuDefault && l.Kernel is not null)
            ?? labels.FirstOrDefault(l => l.Kernel is not null);
        if (chosen is null && defaultName is not null && !defaultName.EndsWith(".c32", StringComparison.OrdinalIgnoreCase))
        {
            // DEFAULT with no matching LABEL is itself a kernel and its options.
            var words = defaultName.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
            chosen = new Label { Name = words[0], Kernel = words[0], Append = words.Length > 1 ? words[1] : "" };
        }
        if (chosen?.Kernel is null) return null;
        var options = new List<string>();
        var initrds = (chosen.Initrd ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        foreach (var word in (chosen.Append ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (word.StartsWith("initrd=", StringComparison.Ordinal) && initrds.Count == 0)
                initrds.AddRange(word[7..].Split(',', StringSplitOptions.RemoveEmptyEntries));
            else if (!word.StartsWith("initrd=", StringComparison.Ordinal))
                options.Add(word);
        }
        return new BootSelection(Locate(chosen.Kernel.Split(' ')[0]), initrds.Select(Locate).ToList(), string.Join(' ', options),
            $"{path} on {volume.Describe()}, label '{chosen.Name}'");
    }
}
