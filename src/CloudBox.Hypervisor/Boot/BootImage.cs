namespace CloudBox.Hypervisor.Boot;

/// <summary>Picks the loader for a kernel file: a bzImage (Linux 64-bit boot protocol) or an ELF vmlinux (PVH entry).</summary>
public static class BootImage
{
    public static IBootImage Open(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (LinuxBzImage.LooksLikeBzImage(bytes)) return new LinuxBzImage(bytes);
        if (PvhElfImage.LooksLikeElf(bytes)) return new PvhElfImage(bytes);
        throw new InvalidDataException($"{path} is neither a bzImage nor an ELF kernel");
    }
}
