namespace CloudBox.Hypervisor.Boot;

/// <summary>
/// Picks the loader for a kernel file: an ELF vmlinux (PVH entry), or a bzImage. A bzImage whose payload this VMM can
/// decompress (gzip, LZ4, zstd) into an ELF with a PVH note is entered through PVH, without the kernel's own
/// decompressor; any other bzImage, or any bzImage when <paramref name="linuxBootProtocol"/> is set, uses the Linux
/// 64-bit boot protocol.
/// </summary>
public static class BootImage
{
    public static IBootImage Open(string path, bool linuxBootProtocol = false)
    {
        var bytes = File.ReadAllBytes(path);
        if (LinuxBzImage.LooksLikeBzImage(bytes))
        {
            if (!linuxBootProtocol && BzImagePayload.TryDecompress(bytes) is { } vmlinux && PvhElfImage.LooksLikeElf(vmlinux))
            {
                try
                {
                    return new PvhElfImage(vmlinux);
                }
                catch (InvalidDataException)
                {
                    // An ELF without a PVH note (a kernel built without CONFIG_PVH): the boot protocol below.
                }
            }
            return new LinuxBzImage(bytes);
        }
        if (PvhElfImage.LooksLikeElf(bytes)) return new PvhElfImage(bytes);
        throw new InvalidDataException($"{path} is neither a bzImage nor an ELF kernel");
    }
}
