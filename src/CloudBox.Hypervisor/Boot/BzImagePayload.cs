using System.Buffers.Binary;
using System.IO.Compression;

namespace CloudBox.Hypervisor.Boot;

/// <summary>
/// The compressed vmlinux inside a bzImage (boot protocol 2.08+: <c>payload_offset</c>/<c>payload_length</c> in the
/// setup header, relative to the protected-mode code; the kernel build appends the uncompressed size as a
/// little-endian 32-bit word). Decompressing it here and entering the ELF through its PVH note skips the kernel's
/// own decompressor, which on an emulated CPU costs minutes. gzip (.NET), LZ4 (legacy frame, <see cref="Lz4Legacy"/>)
/// and zstd (ZstdSharp) are understood; anything else (xz, lzma, bzip2, lzo) leaves the bzImage to the Linux boot
/// protocol.
/// </summary>
internal static class BzImagePayload
{
    /// <summary>Largest vmlinux accepted: distribution kernels are 40–80 MiB uncompressed.</summary>
    public const int MaxUncompressed = 512 << 20;

    /// <summary>The payload's compression, by magic: "gzip", "lz4", "zstd", "xz", "lzma", "bzip2", "lzo", or null when there is no payload.</summary>
    public static string? Format(byte[] bzImage)
    {
        var payload = Payload(bzImage);
        if (payload.Length < 6) return null;
        if (payload[0] == 0x1F && payload[1] == 0x8B) return "gzip";
        if (BinaryPrimitives.ReadUInt32LittleEndian(payload) == Lz4Legacy.Magic) return "lz4";
        if (BinaryPrimitives.ReadUInt32LittleEndian(payload) == 0xFD2FB528) return "zstd";
        if (payload[..6].SequenceEqual(new byte[] { 0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0 })) return "xz";
        if (payload[0] == (byte)'B' && payload[1] == (byte)'Z' && payload[2] == (byte)'h') return "bzip2";
        if (payload[0] == 0x89 && payload[1] == (byte)'L' && payload[2] == (byte)'Z' && payload[3] == (byte)'O') return "lzo";
        if (payload[0] == 0x5D && payload[1] == 0) return "lzma";
        return "unknown";
    }

    /// <summary>The uncompressed vmlinux, or null when its compression is not one this VMM decodes.</summary>
    public static byte[]? TryDecompress(byte[] bzImage)
    {
        var format = Format(bzImage);
        if (format is not ("gzip" or "lz4" or "zstd"))
            return null;
        var payload = Payload(bzImage);
        var size = BinaryPrimitives.ReadInt32LittleEndian(payload[^4..]);
        if (size <= 0 || size > MaxUncompressed)
            throw new InvalidDataException($"bzImage payload claims {size} uncompressed bytes");
        var stream = payload[..^4].ToArray(); // without the size trailer, which is no part of the compressed stream
        return format switch
        {
            "lz4" => Lz4Legacy.Decompress(payload, size),
            "gzip" => Inflate(new GZipStream(new MemoryStream(stream), CompressionMode.Decompress), size),
            _ => Inflate(new ZstdSharp.DecompressionStream(new MemoryStream(stream)), size),
        };
    }

    private static ReadOnlySpan<byte> Payload(byte[] image)
    {
        if (!LinuxBzImage.LooksLikeBzImage(image) || BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(0x206)) < 0x0208 || image.Length < 0x250)
            return [];
        var setupSectors = image[0x1F1] == 0 ? 4 : image[0x1F1];
        var kernel = (long)(setupSectors + 1) * 512;
        var offset = kernel + BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(0x248));
        var length = BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(0x24C));
        if (length < 8 || offset + length > image.Length)
            return [];
        return image.AsSpan((int)offset, (int)length);
    }

    private static byte[] Inflate(Stream stream, int size)
    {
        using (stream)
        {
            var output = new byte[size];
            var total = 0;
            while (total < size)
            {
                var read = stream.Read(output, total, size - total);
                if (read == 0) break;
                total += read;
            }
            if (total != size || stream.ReadByte() >= 0)
                throw new InvalidDataException($"bzImage payload does not decompress to the {size} bytes its trailer says");
            return output;
        }
    }
}
