namespace CloudBox.Compute.Build.BootFiles;

/// <summary>A file system found on the disk: the whole disk (Partition null) or one partition.</summary>
internal sealed record BootVolume(Partition? Partition, IBootFileSystem FileSystem)
{
    public string Describe() =>
        (Partition is null ? "the whole disk" : $"partition {Partition.Number}") + $" ({FileSystem.Kind}, UUID {FileSystem.Uuid})";
}

/// <summary>One file on a volume.</summary>
internal sealed record BootVolumeFile(BootVolume Volume, string Path)
{
    public override string ToString() => $"{Path} on {Volume.Describe()}";
}

/// <summary>What a boot configuration selects: the kernel, its initrds (concatenated in order), its command line, and where it came from.</summary>
internal sealed record BootSelection(BootVolumeFile Kernel, IReadOnlyList<BootVolumeFile> Initrds, string CommandLine, string Source);
