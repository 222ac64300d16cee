namespace CloudBox.Compute.Build.BootFiles;

/// <summary>
/// Finds what a whole-disk image boots, as pygrub does: GRUB 2's grub.cfg first (on any volume; a separate /boot
/// and the ESP's stub included), then systemd-boot on the ESP, then bare BLS entries, then extlinux/syslinux.
/// Throws <see cref="BootConfigurationNotFoundException"/> saying what it looked for and where when nothing fits.
/// </summary>
internal static class BootFileFinder
{
    public static readonly string[] GrubPaths = ["/boot/grub/grub.cfg", "/grub/grub.cfg", "/boot/grub2/grub.cfg", "/grub2/grub.cfg"];

    public const long MaxKernelBytes = 256L << 20;
    public const long MaxInitrdBytes = 1L << 30;

    public static BootSelection Find(BootDisk disk)
    {
        var problems = new List<string>();
        BootSelection? Try(Func<BootSelection?> attempt, string what)
        {
            try
            {
                return attempt();
            }
            catch (BootFormatException error)
            {
                problems.Add($"{what}: {error.Message}");
                return null;
            }
        }

        // The full grub.cfg on a root or /boot file system first; an ESP's grub.cfg is often only a stub that leads there.
        var grubFiles = disk.Volumes.SelectMany(v => GrubPaths.Select(p => (Volume: v, Path: p)))
            .Concat(disk.Volumes.SelectMany(v => EspGrubPaths(v).Select(p => (Volume: v, Path: p))));
        foreach (var (volume, path) in grubFiles)
        {
            {
                if (volume.FileSystem.Open(path) is null) continue;
                var found = Try(() => GrubConfig.Select(disk, volume, path), $"{path} on {volume.Describe()}");
                if (found is not null) return found;
            }
        }
        foreach (var volume in disk.Volumes.Where(v => v.FileSystem.Kind == "vfat"))
        {
            var found = Try(() => SystemdBootConfig.Select(disk, volume), $"{SystemdBootConfig.LoaderConf} on {volume.Describe()}");
            if (found is not null) return found;
        }
        foreach (var volume in disk.Volumes)
        {
            var found = Try(() => BlsEntries.Read(disk, volume, _ => null).FirstOrDefault()?.Selection, $"BLS entries on {volume.Describe()}");
            if (found is not null) return found;
        }
        foreach (var volume in disk.Volumes)
        {
            foreach (var path in ExtlinuxConfig.Paths)
            {
                var found = Try(() => ExtlinuxConfig.Select(volume, path), $"{path} on {volume.Describe()}");
                if (found is not null) return found;
            }
        }
        var where = disk.Volumes.Select(v => v.Describe()).Concat(disk.Skipped.Select(s => s + ", not readable")).ToList();
        throw new BootConfigurationNotFoundException(
            "No boot configuration found on the root disk: looked for GRUB 2 grub.cfg (" + string.Join(", ", GrubPaths) + ", /EFI/*/grub.cfg), "
            + $"systemd-boot {SystemdBootConfig.LoaderConf}, Boot Loader Specification entries ({string.Join(", ", BlsEntries.Directories)}/*.conf) and "
            + $"extlinux/syslinux ({string.Join(", ", ExtlinuxConfig.Paths)}) on "
            + (where.Count == 0 ? "a disk with no partitions or file systems" : string.Join("; ", where))
            + (problems.Count > 0 ? ". Problems: " + string.Join("; ", problems) : "."));
    }

    private static IEnumerable<string> EspGrubPaths(BootVolume volume)
    {
        if (volume.FileSystem.Kind != "vfat") yield break;
        foreach (var vendor in (volume.FileSystem.List("/EFI") ?? []).Take(32))
            yield return $"/EFI/{vendor}/grub.cfg";
    }

    /// <summary>Copies the selection's kernel to <paramref name="kernelTarget"/> and its initrds, concatenated, to <paramref name="initrdTarget"/>.</summary>
    public static void Extract(BootSelection selection, string kernelTarget, string? initrdTarget, CancellationToken cancellationToken)
    {
        Copy([selection.Kernel], kernelTarget, MaxKernelBytes, "kernel", cancellationToken);
        if (initrdTarget is not null && selection.Initrds.Count > 0)
            Copy(selection.Initrds, initrdTarget, MaxInitrdBytes, "initrd", cancellationToken);
    }

    private static void Copy(IReadOnlyList<BootVolumeFile> files, string target, long limit, string what, CancellationToken cancellationToken)
    {
        var temporary = target + ".tmp";
        using (var output = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            foreach (var file in files)
            {
                var content = file.Volume.FileSystem.Open(file.Path)
                    ?? throw new BootConfigurationNotFoundException($"The boot configuration names {what} {file}, which does not exist.");
                content.CopyTo(output, limit - output.Length, cancellationToken);
            }
            output.Flush(flushToDisk: true);
        }
        File.Move(temporary, target, overwrite: true);
    }
}

/// <summary>No usable boot configuration on the disk: the message says what was looked for and where.</summary>
internal sealed class BootConfigurationNotFoundException(string message) : Exception(message);
