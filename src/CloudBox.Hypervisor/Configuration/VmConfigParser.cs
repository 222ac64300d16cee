using System.Globalization;

namespace CloudBox.Hypervisor.Configuration;

/// <summary>
/// Parses <c>cloudbox vmm</c> arguments: <c>--kernel PATH [--initrd PATH] [--cmdline STR] [--memory MiB] [--vcpus N]
/// [--disk PATH[,ro][,id=X][,serial=S]]... [--net tap=NAME[,mac=MAC][,id=X]]... [--netns PATH] [--console stdio|none|PATH]
/// [--api-socket PATH] [--uuid UUID] [--eject-timeout SECONDS] [--no-reboot] [--no-rng] [--hugepages] [--disk-poll-us N] [--jail-uid UID] [--jail-gid GID] [--cgroup NAME] [--no-jail]</c>, or <c>--config FILE.json</c> with the same content (options after it override).
/// </summary>
public static class VmConfigParser
{
    public const string Usage =
        "usage: cloudbox vmm --kernel PATH [--initrd PATH] [--cmdline STR] [--memory MiB] [--vcpus N]\n" +
        "                    [--disk PATH[,ro][,id=X][,serial=S]]... [--net tap=NAME[,mac=MAC][,id=X]]... [--netns PATH]\n" +
        "                    [--console stdio|none|PATH]\n" +
        "                    [--api-socket PATH] [--uuid UUID] [--eject-timeout SECONDS] [--no-reboot] [--no-rng] [--hugepages]\n" +
        "                    [--disk-poll-us N]\n" +
        "                    [--jail-uid UID] [--jail-gid GID] [--cgroup NAME] [--no-jail (development only)]\n" +
        "       cloudbox vmm --config FILE.json";

    public static VmConfig Parse(IReadOnlyList<string> args)
    {
        var config = new VmConfig();
        for (var i = 0; i < args.Count; i++)
        {
            var option = args[i];
            string Value()
            {
                if (i + 1 >= args.Count) throw new VmmArgumentException($"{option} needs a value");
                return args[++i];
            }
            switch (option)
            {
                case "--config": config = VmConfigFile.Read(Value()); break;
                case "--kernel": config.KernelPath = Value(); break;
                case "--initrd": config.InitrdPath = Value(); break;
                case "--cmdline": config.CommandLine = Value(); break;
                case "--memory": config.MemoryMiB = Number(option, Value(), 16, 1 << 20); break;
                case "--vcpus": config.Vcpus = Number(option, Value(), 1, 64); break;
                case "--disk": config.Disks.Add(Disk(Value())); break;
                case "--net": config.Nets.Add(Net(Value())); break;
                case "--netns": config.NetworkNamespace = Value(); break;
                case "--console": config.Console = Value(); break;
                case "--api-socket": config.ApiSocket = Value(); break;
                case "--no-reboot": config.NoReboot = true; break;
                case "--no-rng": config.Rng = false; break;
                case "--boot-protocol":
                    config.LinuxBootProtocol = Value() switch
                    {
                        "linux" => true,
                        "auto" => false,
                        var other => throw new VmmArgumentException($"--boot-protocol must be auto or linux, not {other}"),
                    };
                    break;
                case "--hugepages": config.HugePages = true; break;
                case "--uuid": config.Uuid = Value(); break;
                case "--eject-timeout": config.EjectTimeoutSeconds = Number(option, Value(), 0, 3600); break;
                case "--disk-poll-us": config.DiskPollMicroseconds = Number(option, Value(), 0, 1_000_000); break;
                case "--no-jail": config.Jail = false; break;
                case "--jail-uid": config.JailUid = (uint)Number(option, Value(), 1, int.MaxValue); break;
                case "--jail-gid": config.JailGid = (uint)Number(option, Value(), 1, int.MaxValue); break;
                case "--cgroup": config.Cgroup = Value(); break;
                default: throw new VmmArgumentException($"unknown option {option}");
            }
        }
        Validate(config);
        return config;
    }

    public static void Validate(VmConfig config)
    {
        if (string.IsNullOrEmpty(config.KernelPath)) throw new VmmArgumentException("--kernel is required");
        if (config.MemoryMiB < 16) throw new VmmArgumentException("memory must be at least 16 MiB");
        if (config.Vcpus is < 1 or > 64) throw new VmmArgumentException("vcpus must be between 1 and 64");
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < config.Disks.Count; i++)
        {
            var disk = config.Disks[i];
            if (string.IsNullOrEmpty(disk.Path)) throw new VmmArgumentException("a disk needs a path");
            disk.Id ??= $"disk{i}";
            if (!ids.Add(disk.Id)) throw new VmmArgumentException($"two disks have the id '{disk.Id}'");
        }
        if (config.Cgroup is { } cgroup && (cgroup.Length is 0 or > 64 || cgroup.Contains('/') || cgroup is "." or ".."))
            throw new VmmArgumentException($"--cgroup '{cgroup}' is not a plain name");
        if (config.Uuid != null && !Guid.TryParse(config.Uuid, out _)) throw new VmmArgumentException($"--uuid '{config.Uuid}' is not a UUID");
        var netIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var net in config.Nets)
        {
            if (string.IsNullOrEmpty(net.Tap)) throw new VmmArgumentException("a net device needs tap=NAME");
            net.Id ??= net.Tap;
            if (!netIds.Add(net.Id)) throw new VmmArgumentException($"two net devices have the id '{net.Id}'");
        }
    }

    private static int Number(string option, string text, int min, int max)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw new VmmArgumentException($"{option} must be a number from {min} to {max}, not '{text}'");
        return value;
    }

    private static DiskConfig Disk(string text)
    {
        var parts = text.Split(',');
        var disk = new DiskConfig { Path = parts[0] };
        foreach (var part in parts.AsSpan(1))
        {
            if (part == "ro") disk.ReadOnly = true;
            else if (part.StartsWith("serial=", StringComparison.Ordinal)) disk.Serial = part["serial=".Length..];
            else if (part.StartsWith("id=", StringComparison.Ordinal) && part.Length > 3) disk.Id = part["id=".Length..];
            else throw new VmmArgumentException($"unknown disk option '{part}' in --disk {text}");
        }
        return disk;
    }

    private static NetConfig Net(string text)
    {
        var net = new NetConfig();
        foreach (var part in text.Split(','))
        {
            if (part.StartsWith("tap=", StringComparison.Ordinal)) net.Tap = part[4..];
            else if (part.StartsWith("mac=", StringComparison.Ordinal)) net.Mac = part[4..];
            else if (part.StartsWith("id=", StringComparison.Ordinal) && part.Length > 3) net.Id = part[3..];
            else throw new VmmArgumentException($"unknown net option '{part}' in --net {text}");
        }
        return net;
    }
}
