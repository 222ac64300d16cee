using Microsoft.Win32.SafeHandles;

namespace CloudBox.Compute.Build.BootFiles;

/// <summary>
/// A read-only window on a raw disk file (the whole disk or one partition): every read is checked against the
/// window, so a hostile partition table or file system can never make the readers read outside it.
/// </summary>
internal sealed class DiskRegion
{
    private readonly SafeFileHandle? _file;
    private readonly byte[]? _memory;
    private readonly long _start;

    public DiskRegion(SafeFileHandle file, long start, long length)
    {
        _file = file;
        _start = start;
        Length = length;
    }

    /// <summary>An in-memory disk, for tests; <paramref name="onRead"/> sees every read (disk offset, length), so a fuzz test can aim at the metadata the readers use.</summary>
    public DiskRegion(byte[] memory, Action<long, int>? onRead = null)
    {
        _memory = memory;
        _onRead = onRead;
        Length = memory.Length;
    }

    private DiskRegion(DiskRegion parent, long start, long length)
    {
        _file = parent._file;
        _memory = parent._memory;
        _onRead = parent._onRead;
        _start = parent._start + start;
        Length = length;
    }

    private readonly Action<long, int>? _onRead;

    public long Length { get; }

    /// <summary>A part of this region (a partition); refuses one that does not fit.</summary>
    public DiskRegion Slice(long start, long length)
    {
        if (start < 0 || length < 0 || start > Length || length > Length - start)
            throw new BootFormatException($"a partition at byte {start} of {length} bytes lies outside the disk ({Length} bytes)");
        return new DiskRegion(this, start, length);
    }

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="offset"/>; reading past the end is a format error.</summary>
    public void Read(long offset, Span<byte> buffer)
    {
        if (offset < 0 || offset > Length || buffer.Length > Length - offset)
            throw new BootFormatException($"a read of {buffer.Length} bytes at {offset} lies outside the {Length}-byte region");
        if (_memory is not null)
        {
            _onRead?.Invoke(_start + offset, buffer.Length);
            _memory.AsSpan((int)(_start + offset), buffer.Length).CopyTo(buffer);
            return;
        }
        var done = 0;
        while (done < buffer.Length)
        {
            var read = RandomAccess.Read(_file!, buffer[done..], _start + offset + done);
            if (read == 0)
            {
                buffer[done..].Clear(); // a sparse raw file shorter than its declared size reads as zeros
                return;
            }
            done += read;
        }
    }

    public byte[] Read(long offset, int length)
    {
        var buffer = new byte[length];
        Read(offset, buffer);
        return buffer;
    }
}
