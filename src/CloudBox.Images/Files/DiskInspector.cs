using System.Buffers.Binary;

namespace CloudBox.Images.Files;

/// <summary>
/// Looks inside uploaded data: the virtual size of qcow2 and raw disks, and whether the content
/// is what <c>disk_format</c> claims. A qcow2 disguised as raw, or a qcow2 with a backing file,
/// would let a guest read host files when booted, so both are refused.
/// </summary>
public static class DiskInspector
{
    private static ReadOnlySpan<byte> Qcow2Magic => [0x51, 0x46, 0x49, 0xFB];

    /// <summary>The virtual size, or an error message when the content does not match the format.</summary>
    public static (long? VirtualSize, string? Error) Inspect(string path, string diskFormat)
    {
        Span<byte> header = stackalloc byte[104];
        int read;
        using (var file = File.OpenRead(path))
            read = file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        header = header[..read];
        var isQcow2 = read >= 72 && header[..4].SequenceEqual(Qcow2Magic);
        var length = new FileInfo(path).Length;
        switch (diskFormat)
        {
            case "qcow2":
                if (!isQcow2)
                    return (null, "Image data is not in qcow2 format.");
                var backingFileOffset = BinaryPrimitives.ReadUInt64BigEndian(header[8..]);
                if (backingFileOffset != 0)
                    return (null, "qcow2 images with a backing file are not accepted.");
                return ((long)BinaryPrimitives.ReadUInt64BigEndian(header[24..]), null);
            case "raw" or "iso":
                if (isQcow2)
                    return (null, $"Image data is in qcow2 format, not {diskFormat}.");
                return (length, null);
            default:
                return (null, null);
        }
    }
}
