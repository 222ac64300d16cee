namespace CloudBox.Compute.Build.BootFiles;

/// <summary>The partitions of a disk and the file systems on them that this reader understands.</summary>
internal sealed class BootDisk
{
    private BootDisk(List<BootVolume> volumes, List<string> skipped)
    {
        Volumes = volumes;
        Skipped = skipped;
    }

    public IReadOnlyList<BootVolume> Volumes { get; }

    /// <summary>Partitions with no file system this reader knows, described for the fault.</summary>
    public IReadOnlyList<string> Skipped { get; }

    /// <summary>A disk made of given volumes (tests of the configuration dialects).</summary>
    public static BootDisk From(IEnumerable<BootVolume> volumes) => new(volumes.ToList(), []);

    public static BootDisk Open(DiskRegion disk)
    {
        var volumes = new List<BootVolume>();
        var skipped = new List<string>();
        var partitions = PartitionTable.Read(disk);
        if (partitions.Count == 0)
        {
            var fs = TryMount(disk, out var reason);
            if (fs is not null) volumes.Add(new BootVolume(null, fs));
            else skipped.Add($"the whole disk ({reason})");
        }
        foreach (var partition in partitions)
        {
            var fs = TryMount(disk.Slice(partition.Start, partition.Length), out var reason);
            if (fs is not null) volumes.Add(new BootVolume(partition, fs));
            else skipped.Add($"partition {partition.Number} ({reason})");
        }
        return new BootDisk(volumes, skipped);
    }

    private static IBootFileSystem? TryMount(DiskRegion region, out string reason)
    {
        reason = "no ext2/3/4, XFS or FAT file system";
        try
        {
            if (Ext4FileSystem.Probe(region)) return Ext4FileSystem.Open(region);
            if (XfsFileSystem.Probe(region)) return XfsFileSystem.Open(region);
            if (FatFileSystem.Probe(region)) return FatFileSystem.Open(region);
        }
        catch (BootFormatException error)
        {
            reason = error.Message;
        }
        return null;
    }

    /// <summary>A GRUB device name (<c>hd0,gpt2</c>, <c>hd0,msdos1</c>, <c>hd0,2</c>, <c>hd0</c>) as a volume.</summary>
    public BootVolume? ByGrubDevice(string device)
    {
        var parts = device.Trim('(', ')').Split(',');
        if (parts.Length == 0 || !parts[0].StartsWith("hd", StringComparison.Ordinal))
            return null;
        if (parts.Length == 1)
            return Volumes.FirstOrDefault(v => v.Partition is null);
        var digits = new string(parts[^1].Where(char.IsAsciiDigit).ToArray());
        return int.TryParse(digits, out var number) ? Volumes.FirstOrDefault(v => v.Partition?.Number == number) : null;
    }

    public BootVolume? ByUuid(string uuid) =>
        Volumes.FirstOrDefault(v => string.Equals(v.FileSystem.Uuid, uuid, StringComparison.OrdinalIgnoreCase));

    public BootVolume? ByLabel(string label) => Volumes.FirstOrDefault(v => v.FileSystem.Label == label);
}
