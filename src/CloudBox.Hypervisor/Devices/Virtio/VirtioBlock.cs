using System.Buffers.Binary;
using System.Text;
using CloudBox.Linux.Files;
using Microsoft.Win32.SafeHandles;

namespace CloudBox.Hypervisor.Devices.Virtio;

/// <summary>
/// virtio-blk (virtio 1.x section 5.2) on a raw image file: read, write, flush, discard, get-id, with an optional
/// read-only mode. Requests are served synchronously on the transport's worker thread, straight into guest memory.
/// </summary>
public sealed class VirtioBlock : IVirtioDevice
{
    public const int SectorSize = 512;
    private const int FeatureReadOnly = 5;
    private const int FeatureBlockSize = 6;
    private const int FeatureFlush = 9;
    private const int FeatureDiscard = 13;
    private const uint RequestIn = 0;
    private const uint RequestOut = 1;
    private const uint RequestFlush = 4;
    private const uint RequestGetId = 8;
    private const uint RequestDiscard = 11;
    private const byte StatusOk = 0;
    private const byte StatusIoError = 1;
    private const byte StatusUnsupported = 2;
    private const int IdLength = 20;
    private const int HeaderLength = 16;
    private const uint MaxDiscardSectors = 1u << 22;

    private readonly SafeFileHandle _file;
    private readonly bool _readOnly;
    private readonly byte[] _serial = new byte[IdLength];
    private readonly ulong _capacitySectors;
    private VirtioContext? _context;

    /// <summary>Opens the image now, so a bad path fails before the guest starts.</summary>
    public VirtioBlock(string path, bool readOnly, string serial)
    {
        _readOnly = readOnly;
        _file = File.OpenHandle(path, FileMode.Open, readOnly ? FileAccess.Read : FileAccess.ReadWrite, FileShare.ReadWrite);
        _capacitySectors = (ulong)RandomAccess.GetLength(_file) / SectorSize;
        Encoding.ASCII.GetBytes(serial.Length > IdLength ? serial[..IdLength] : serial).CopyTo(_serial, 0);
    }

    public ushort DeviceType => 2;
    public uint PciClass => 0x010000; // mass storage, SCSI (what QEMU reports for virtio-blk)
    public ulong Features => (1UL << FeatureBlockSize) | (1UL << FeatureFlush) | (_readOnly ? 1UL << FeatureReadOnly : 1UL << FeatureDiscard);
    public int QueueCount => 1;
    public ushort QueueSize => 256;
    public int ConfigLength => 60;
    public ReadOnlySpan<int> ExtraDescriptors => [];
    public VirtioStats Stats { get; } = new();

    public void ReadConfig(int offset, Span<byte> data)
    {
        Span<byte> config = stackalloc byte[64];
        config.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(config, _capacitySectors);
        BinaryPrimitives.WriteUInt32LittleEndian(config[20..], SectorSize); // blk_size
        BinaryPrimitives.WriteUInt32LittleEndian(config[36..], MaxDiscardSectors); // max_discard_sectors
        BinaryPrimitives.WriteUInt32LittleEndian(config[40..], 1); // max_discard_seg
        BinaryPrimitives.WriteUInt32LittleEndian(config[44..], 8); // discard_sector_alignment (4 KiB)
        if (offset < 0 || offset + data.Length > ConfigLength) { data.Clear(); return; }
        config.Slice(offset, data.Length).CopyTo(data);
    }

    public void Activate(VirtioContext context) => _context = context;

    public void Reset() => _context = null;

    public void ProcessEvent(int index)
    {
    }

    public void ProcessQueue(int queue)
    {
        var context = _context;
        if (context == null) return;
        var q = context.Queues[queue];
        var served = false;
        while (q.TryPop())
        {
            var written = Serve(context, q);
            q.PushUsed(q.ChainHead, written);
            served = true;
        }
        if (served) context.Interrupt(queue);
    }

    /// <summary>Serves one request chain; returns the bytes written into guest buffers (data plus status).</summary>
    private uint Serve(VirtioContext context, Virtqueue q)
    {
        var chain = q.Chain.AsSpan(0, q.ChainLength);
        var last = chain[^1];
        if (chain.Length < 2 || chain[0].Length < HeaderLength || !last.Writable || last.Length < 1)
            throw new InvalidDataException("virtio-blk request without header or status");
        var header = context.Memory.Span(chain[0].Address, HeaderLength);
        var type = BinaryPrimitives.ReadUInt32LittleEndian(header);
        var sector = BinaryPrimitives.ReadUInt64LittleEndian(header[8..]);
        var data = chain[1..^1];
        uint written = 0;
        byte status;
        try
        {
            status = type switch
            {
                RequestIn => Read(context, data, sector, ref written),
                RequestOut => Write(context, data, sector),
                RequestFlush => Flush(),
                RequestGetId => GetId(context, data, ref written),
                RequestDiscard => Discard(context, data),
                _ => StatusUnsupported,
            };
        }
        catch (IOException)
        {
            status = StatusIoError;
        }
        context.Memory.Span(last.Address, 1)[0] = status;
        return written + 1;
    }

    private byte Read(VirtioContext context, ReadOnlySpan<Descriptor> data, ulong sector, ref uint written)
    {
        var offset = (long)(sector * SectorSize);
        foreach (var d in data)
        {
            if (!d.Writable) return StatusIoError;
            if (!InRange(offset, d.Length)) return StatusIoError;
            var target = context.Memory.Span(d.Address, (int)d.Length);
            var done = 0;
            while (done < target.Length)
            {
                var n = RandomAccess.Read(_file, target[done..], offset + done);
                if (n <= 0) { target[done..].Clear(); break; } // past the end of a file not a sector multiple
                done += n;
            }
            offset += d.Length;
            written += d.Length;
        }
        Stats.ReadOps++;
        Stats.ReadBytes += written;
        return StatusOk;
    }

    private byte Write(VirtioContext context, ReadOnlySpan<Descriptor> data, ulong sector)
    {
        if (_readOnly) return StatusIoError;
        var offset = (long)(sector * SectorSize);
        long total = 0;
        foreach (var d in data)
        {
            if (d.Writable || !InRange(offset, d.Length)) return StatusIoError;
            RandomAccess.Write(_file, (ReadOnlySpan<byte>)context.Memory.Span(d.Address, (int)d.Length), offset);
            offset += d.Length;
            total += d.Length;
        }
        Stats.WriteOps++;
        Stats.WriteBytes += total;
        return StatusOk;
    }

    private byte Flush()
    {
        if (!_readOnly) RandomAccess.FlushToDisk(_file);
        Stats.OtherOps++;
        return StatusOk;
    }

    private byte GetId(VirtioContext context, ReadOnlySpan<Descriptor> data, ref uint written)
    {
        if (data.Length < 1 || !data[0].Writable) return StatusIoError;
        var length = (int)Math.Min(data[0].Length, IdLength);
        _serial.AsSpan(0, length).CopyTo(context.Memory.Span(data[0].Address, length));
        written = (uint)length;
        Stats.OtherOps++;
        return StatusOk;
    }

    /// <summary>Each segment is {sector u64, num_sectors u32, flags u32}; the range is punched out of the file.</summary>
    private byte Discard(VirtioContext context, ReadOnlySpan<Descriptor> data)
    {
        if (_readOnly) return StatusIoError;
        foreach (var d in data)
        {
            for (uint at = 0; at + 16 <= d.Length; at += 16)
            {
                var segment = context.Memory.Span(d.Address + at, 16);
                var start = (long)(BinaryPrimitives.ReadUInt64LittleEndian(segment) * SectorSize);
                var length = (long)BinaryPrimitives.ReadUInt32LittleEndian(segment[8..]) * SectorSize;
                if (!InRange(start, (ulong)length)) return StatusIoError;
                if (!LinuxFile.PunchHole((int)_file.DangerousGetHandle(), start, length)) return StatusUnsupported;
            }
        }
        Stats.OtherOps++;
        return StatusOk;
    }

    private bool InRange(long offset, ulong length) => (ulong)offset + length <= _capacitySectors * SectorSize;

    public void Dispose() => _file.Dispose();
}
