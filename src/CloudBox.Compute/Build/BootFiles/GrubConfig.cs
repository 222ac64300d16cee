using System.Text;

namespace CloudBox.Compute.Build.BootFiles;

/// <summary>
/// Runs a GRUB 2 <c>grub.cfg</c> as far as choosing a kernel needs, the way pygrub does: top-level <c>set</c>,
/// <c>load_env</c> (grubenv's <c>saved_entry</c>, <c>next_entry</c>, <c>kernelopts</c>), <c>search</c>
/// (<c>--fs-uuid</c>, <c>--label</c>, <c>--file</c>, <c>--set=VAR</c>), <c>if</c> with <c>[ … ]</c> tests,
/// <c>source</c>/<c>configfile</c>, <c>blscfg</c> (BLS entries as menu entries) and the menu itself; then runs the
/// default entry's body for <c>set root</c>, <c>search</c>, <c>linux</c>/<c>linuxefi</c>/<c>linux16</c> and
/// <c>initrd</c>/<c>initrdefi</c>. Anything else (fonts, video, <c>insmod</c>, functions) is skipped.
/// </summary>
internal sealed class GrubConfig
{
    private const int MaxSourceDepth = 8;
    private const int MaxEntries = 4096;
    private const int MaxCommands = 200_000;

    private readonly BootDisk _disk;
    private readonly Dictionary<string, string> _variables = new(StringComparer.Ordinal);
    private int _commands;

    private GrubConfig(BootDisk disk) => _disk = disk;

    private sealed record MenuItem(string Title, string? Id, IReadOnlyList<GrubScript.Node>? Body, List<MenuItem>? Children, BootSelection? Bls, BootVolume Root);

    /// <summary>The default entry of the grub.cfg at <paramref name="path"/> on <paramref name="volume"/>, or null when it has no usable entry.</summary>
    public static BootSelection? Select(BootDisk disk, BootVolume volume, string path)
    {
        var run = new GrubConfig(disk);
        var directory = path[..path.LastIndexOf('/')];
        run._variables["root"] = GrubDevice(volume);
        run._variables["prefix"] = $"({GrubDevice(volume)}){directory}";
        run._variables["cmdpath"] = run._variables["prefix"];
        run._variables["grub_platform"] = "pc";
        run._variables["grub_cpu"] = "i386";
        run._variables["feature_platform_search_hint"] = "y";
        run._variables["feature_default_font_path"] = "y";
        run._variables["feature_all_video_module"] = "y";
        run._variables["feature_menuentry_id"] = "y";
        run._variables["feature_menuentry_options"] = "y";
        run._variables["feature_timeout_style"] = "y";
        run._variables["menuentry_id_option"] = "--id";
        var menu = new List<MenuItem>();
        run.RunFile(volume, path, menu, 0);
        var chosen = run.Choose(menu, run._variables.GetValueOrDefault("default") ?? "0");
        if (chosen is null)
            return null;
        if (chosen.Bls is not null)
            return chosen.Bls;
        return run.RunEntry(chosen, $"grub.cfg {path} on {volume.Describe()}");
    }

    private static string GrubDevice(BootVolume volume) => volume.Partition is null ? "hd0" : $"hd0,{(volume.Partition.Type.StartsWith("mbr", StringComparison.Ordinal) ? "msdos" : "gpt")}{volume.Partition.Number}";

    private void RunFile(BootVolume volume, string path, List<MenuItem> menu, int depth)
    {
        if (depth > MaxSourceDepth)
            throw new BootFormatException("grub.cfg sources too many files");
        var file = volume.FileSystem.Open(path) ?? throw new BootFormatException($"{path} is not on {volume.Describe()}");
        var text = Encoding.UTF8.GetString(file.ReadAll(GrubScript.MaxText));
        Run(GrubScript.Parse(text), menu, depth);
    }

    private string? Get(string name) => _variables.GetValueOrDefault(name);

    private List<string> Words(IReadOnlyList<string> raw)
    {
        var words = new List<string>();
        foreach (var word in raw)
            words.AddRange(GrubScript.Expand(word, Get));
        return words;
    }

    /// <summary>Runs a list at the top level (or in a submenu): returns the status of the last command.</summary>
    private bool Run(IReadOnlyList<GrubScript.Node> nodes, List<MenuItem> menu, int depth)
    {
        var status = true;
        foreach (var node in nodes)
        {
            if (++_commands > MaxCommands)
                throw new BootFormatException("grub.cfg runs too many commands");
            switch (node)
            {
                case GrubScript.If branch:
                    status = true;
                    var taken = false;
                    foreach (var (condition, body) in branch.Branches)
                    {
                        if (Run(condition, menu, depth))
                        {
                            status = Run(body, menu, depth);
                            taken = true;
                            break;
                        }
                    }
                    if (!taken && branch.Else is not null)
                        status = Run(branch.Else, menu, depth);
                    break;
                case GrubScript.Block { Keyword: "menuentry" or "submenu" } block:
                    if (menu.Count >= MaxEntries)
                        throw new BootFormatException("grub.cfg has too many menu entries");
                    var words = Words(block.Words);
                    var (title, id) = TitleAndId(words);
                    var root = CurrentRoot();
                    if (block.Keyword == "menuentry")
                        menu.Add(new MenuItem(title, id, block.Body, null, null, root));
                    else
                    {
                        var children = new List<MenuItem>();
                        Run(block.Body, children, depth + 1);
                        menu.Add(new MenuItem(title, id, null, children, null, root));
                    }
                    status = true;
                    break;
                case GrubScript.Block:
                    status = true; // function definitions and loops are not run
                    break;
                case GrubScript.Command command:
                    status = RunCommand(Words(command.Words), menu, depth);
                    break;
            }
        }
        return status;
    }

    private static (string Title, string? Id) TitleAndId(List<string> words)
    {
        string? title = null, id = null;
        for (var i = 0; i < words.Count; i++)
        {
            if (words[i] == "--id" && i + 1 < words.Count) { id = words[++i]; continue; }
            if (words[i] is "--class" or "--users" or "--hotkey" or "--source") { i++; continue; }
            if (words[i].StartsWith("--", StringComparison.Ordinal)) continue;
            title ??= words[i];
        }
        return (title ?? "", id);
    }

    private BootVolume CurrentRoot() =>
        _disk.ByGrubDevice(Get("root") ?? "") ?? _disk.Volumes[0];

    private bool RunCommand(List<string> words, List<MenuItem> menu, int depth)
    {
        if (words.Count == 0) return true;
        switch (words[0])
        {
            case "set":
                foreach (var assignment in words.Skip(1))
                {
                    var equals = assignment.IndexOf('=');
                    if (equals > 0) _variables[assignment[..equals]] = assignment[(equals + 1)..];
                }
                return true;
            case "unset":
                foreach (var name in words.Skip(1)) _variables.Remove(name);
                return true;
            case "true": return true;
            case "false": return false;
            case "[" or "test": return Test(words);
            case "load_env": return LoadEnv(words);
            case "search" or "search.fs_uuid" or "search.fs_label" or "search.file": return Search(words);
            case "source" or "configfile":
                if (words.Count < 2) return false;
                var file = Locate(words[1]);
                if (file is null) return false;
                if (words[0] == "configfile")
                    menu.Clear(); // configfile shows a new menu: the one the file defines
                RunFile(file.Volume, file.Path, menu, depth + 1);
                return true;
            case "blscfg":
                foreach (var entry in BlsEntries.Read(_disk, CurrentRoot(), Get))
                {
                    if (menu.Count >= MaxEntries) break;
                    menu.Add(new MenuItem(entry.Title, entry.Id, null, null, entry.Selection, CurrentRoot()));
                }
                return true;
            default:
                // Display and module commands succeed; anything this reader cannot run (loadfont, keystatus…) fails.
                return words[0] is "insmod" or "export" or "set_locale" or "terminal_input" or "terminal_output" or "load_video"
                    or "font" or "gfxmode" or "echo" or "save_env" or "serial" or "terminal" or "play";
        }
    }

    private bool Test(List<string> words)
    {
        var args = words.Skip(1).ToList();
        if (words[0] == "[")
        {
            if (args.Count == 0 || args[^1] != "]") return false;
            args.RemoveAt(args.Count - 1);
        }
        var negate = false;
        if (args.Count > 0 && args[0] == "!") { negate = true; args.RemoveAt(0); }
        bool result;
        if (args.Count == 0) result = false;
        else if (args.Count == 1) result = args[0].Length > 0;
        else if (args.Count == 2 && args[0] is "-n") result = args[1].Length > 0;
        else if (args.Count == 2 && args[0] is "-z") result = args[1].Length == 0;
        else if (args.Count == 2 && args[0] is "-e" or "-f" or "-s" or "-d")
        {
            var file = Locate(args[1]);
            var content = file?.Volume.FileSystem.Open(file.Path);
            result = args[0] switch
            {
                "-s" => content?.Length > 0,
                "-f" => content is not null,
                "-d" => file?.Volume.FileSystem.List(file.Path) is not null,
                _ => content is not null || file?.Volume.FileSystem.List(file.Path) is not null,
            };
        }
        else if (args.Count == 3 && args[1] is "=" or "==") result = args[0] == args[2];
        else if (args.Count == 3 && args[1] == "!=") result = args[0] != args[2];
        else if (args.Count == 3 && args[1] is "-eq" or "-ne" or "-lt" or "-gt" or "-le" or "-ge"
                 && long.TryParse(args[0], out var a) && long.TryParse(args[2], out var b))
            result = args[1] switch { "-eq" => a == b, "-ne" => a != b, "-lt" => a < b, "-gt" => a > b, "-le" => a <= b, _ => a >= b };
        else result = false;
        return result != negate;
    }

    private bool LoadEnv(List<string> words)
    {
        var path = "$prefix/grubenv";
        for (var i = 1; i < words.Count; i++)
            if (words[i] is "-f" or "--file" && i + 1 < words.Count) path = words[++i];
        var file = Locate(GrubScript.Expand(path, Get).FirstOrDefault() ?? "");
        var content = file?.Volume.FileSystem.Open(file.Path);
        if (content is null) return false;
        foreach (var (name, value) in GrubEnvironment.Parse(content.ReadAll(64 * 1024)))
            _variables[name] = value;
        return true;
    }

    private bool Search(List<string> words)
    {
        var mode = words[0] switch { "search.fs_uuid" => "uuid", "search.fs_label" => "label", "search.file" => "file", _ => "file" };
        string? target = null;
        var variable = "root";
        var positional = new List<string>();
        for (var i = 1; i < words.Count; i++)
        {
            var word = words[i];
            if (word is "--fs-uuid" or "-u") mode = "uuid";
            else if (word is "--label" or "-l") mode = "label";
            else if (word is "--file" or "-f") mode = "file";
            else if (word.StartsWith("--set=", StringComparison.Ordinal)) variable = word[6..];
            else if (word is "--set" or "-s") { if (i + 1 < words.Count && !words[i + 1].StartsWith('-') && positional.Count > 0) variable = words[++i]; }
            else if (word.StartsWith("--hint", StringComparison.Ordinal)) { if (!word.Contains('=')) i++; }
            else if (word.StartsWith('-')) { }
            else positional.Add(word);
        }
        if (positional.Count == 0) return false;
        target = positional[0];
        if (words[0] is "search.fs_uuid" or "search.fs_label" or "search.file" && positional.Count > 1) variable = positional[1];
        BootVolume? found = mode switch
        {
            "uuid" => _disk.ByUuid(target),
            "label" => _disk.ByLabel(target),
            _ => _disk.Volumes.FirstOrDefault(v => v.FileSystem.Open(target) is not null),
        };
        if (found is null) return false;
        _variables[variable] = GrubDevice(found);
        return true;
    }

    /// <summary>A GRUB file name: <c>(hd0,gpt2)/path</c>, <c>($root)/path</c> (already expanded) or <c>/path</c> on $root.</summary>
    private BootVolumeFile? Locate(string name)
    {
        if (name.StartsWith('('))
        {
            var close = name.IndexOf(')');
            if (close < 0) return null;
            var volume = _disk.ByGrubDevice(name[1..close]);
            return volume is null ? null : new BootVolumeFile(volume, name[(close + 1)..] is { Length: > 0 } p ? p : "/");
        }
        if (!name.StartsWith('/')) return null;
        var root = _disk.ByGrubDevice(Get("root") ?? "");
        return root is null ? null : new BootVolumeFile(root, name);
    }

    private MenuItem? Choose(List<MenuItem> menu, string selector)
    {
        if (menu.Count == 0) return null;
        var current = menu;
        MenuItem? item = null;
        foreach (var step in selector.Split('>'))
        {
            item = int.TryParse(step, out var index)
                ? (index >= 0 && index < current.Count ? current[index] : null)
                : current.FirstOrDefault(m => m.Id == step) ?? current.FirstOrDefault(m => m.Title == step);
            if (item is null) break;
            if (item.Children is null) return item;
            current = item.Children;
        }
        // GRUB falls back to the first entry when the default names none.
        item = menu[0];
        while (item.Children is { Count: > 0 }) item = item.Children[0];
        return item.Children is null ? item : null;
    }

    private BootSelection? RunEntry(MenuItem entry, string source)
    {
        _variables["root"] = GrubDevice(entry.Root);
        string? kernel = null;
        string? commandLine = null;
        var initrds = new List<BootVolumeFile>();
        BootVolumeFile? kernelFile = null;
        void Walk(IReadOnlyList<GrubScript.Node> nodes)
        {
            foreach (var node in nodes)
            {
                if (++_commands > MaxCommands)
                    throw new BootFormatException("grub.cfg runs too many commands");
                switch (node)
                {
                    case GrubScript.If branch:
                        var taken = false;
                        foreach (var (condition, body) in branch.Branches)
                        {
                            if (Run(condition, [], 0)) { Walk(body); taken = true; break; }
                        }
                        if (!taken && branch.Else is not null) Walk(branch.Else);
                        break;
                    case GrubScript.Command command:
                        var words = Words(command.Words);
                        if (words.Count == 0) break;
                        if (words[0] is "linux" or "linuxefi" or "linux16" or "kernel" && words.Count > 1)
                        {
                            var args = words.Skip(1).Where(w => !w.StartsWith("--", StringComparison.Ordinal) || w.Contains('=')).ToList();
                            kernel = args[0];
                            kernelFile = Locate(kernel);
                            commandLine = string.Join(' ', args.Skip(1));
                        }
                        else if (words[0] is "initrd" or "initrdefi" or "initrd16")
                        {
                            initrds.Clear();
                            foreach (var name in words.Skip(1).Where(w => !w.StartsWith("--", StringComparison.Ordinal)))
                                initrds.Add(Locate(name) ?? throw new BootFormatException($"{source}: initrd {name} names no volume on this disk"));
                        }
                        else
                            RunCommand(words, [], 0);
                        break;
                }
            }
        }
        Walk(entry.Body ?? []);
        if (kernel is null)
            return null;
        if (kernelFile is null)
            throw new BootFormatException($"{source}: kernel {kernel} of entry '{entry.Title}' names no volume on this disk");
        return new BootSelection(kernelFile, initrds, commandLine ?? "", $"{source}, entry '{entry.Title}'");
    }
}
