using CloudBox.Linux;
using CloudBox.Linux.Files;

namespace CloudBox.BlockEngine;

/// <summary>An image file opened for block I/O, with O_DIRECT where the file system takes it.</summary>
public sealed class BlockFile : IDisposable
{
    private BlockFile(FileDescriptor handle, bool readOnly, bool directIo, string? directIoRefusal)
    {
        Handle = handle;
        ReadOnly = readOnly;
        DirectIo = directIo;
        DirectIoRefusal = directIoRefusal;
        Length = PositionalIo.Length(handle.Value);
    }

    public FileDescriptor Handle { get; }
    public int Fd => Handle.Value;
    public bool ReadOnly { get; }

    /// <summary>Whether the page cache is bypassed (buffers, offsets and lengths must then be block aligned).</summary>
    public bool DirectIo { get; }

    /// <summary>Why O_DIRECT was asked for and not used (the file system refused it), else null.</summary>
    public string? DirectIoRefusal { get; }

    public long Length { get; }

    /// <summary>Opens the file; with <paramref name="directIo"/> tries O_DIRECT first and falls back to buffered I/O if refused.</summary>
    public static BlockFile Open(string path, bool readOnly, bool directIo)
    {
        var flags = readOnly ? OpenFlags.ReadOnly : OpenFlags.ReadWrite;
        string? refusal = null;
        if (directIo)
        {
            try
            {
                return new BlockFile(LinuxFile.Open(path, flags | OpenFlags.Direct), readOnly, true, null);
            }
            catch (LinuxException e) when (e.Errno == Errno.EINVAL)
            {
                refusal = $"the file system of {path} refuses O_DIRECT; using buffered I/O";
            }
        }
        return new BlockFile(LinuxFile.Open(path, flags), readOnly, false, refusal);
    }

    /// <summary>An image already open (held by a confined VMM that may not open it by name again), buffered I/O.</summary>
    public static BlockFile FromDescriptor(FileDescriptor handle, bool readOnly) => new(handle, readOnly, false, null);

    public void Dispose() => Handle.Dispose();
}
