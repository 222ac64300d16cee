using System.Buffers.Binary;
using System.Text;

namespace CloudBox.Compute.Build.BootFiles;

/// <summary>
/// FAT12/16/32, read-only, for the EFI system partition: 8.3 and long names (compared without case, as FAT
/// does), cluster chains bounded by the cluster count so a looping chain ends in an error.
/// </summary>
internal sealed class FatFileSystem : IBootFileSystem
{
    private const int MaxDirectoryEntries = 65536;

    private readonly DiskRegion _disk;
    private readonly int _bytesPerSector;
    private readonly int _clusterSize;
    private readonly long _fatOffset;
    private readonly long _rootOffset;
    private readonly int _rootEntries;
    private readonly uint _rootCluster;
    private readonly long _dataOffset;
    private readonly long _clusterCount;
    private readonly int _fatBits;

    private FatFileSystem(DiskRegion disk, byte[] boot)
    {
        _disk = disk;
        _bytesPerSector = BinaryPrimitives.ReadUInt16LittleEndian(boot.AsSpan(11));
        int sectorsPerCluster = boot[13];
        int reserved = BinaryPrimitives.ReadUInt16LittleEndian(boot.AsSpan(14));
        int fats = boot[16];
        _rootEntries = BinaryPrimitives.ReadUInt16LittleEndian(boot.AsSpan(17));
        long totalSectors = BinaryPrimitives.ReadUInt16LittleEndian(boot.AsSpan(19));
        if (totalSectors == 0) totalSectors = BinaryPrimitives.ReadUInt32LittleEndian(boot.AsSpan(32));
        long fatSectors = BinaryPrimitives.ReadUInt16LittleEndian(boot.AsSpan(22));
        if (fatSectors == 0) fatSectors = BinaryPrimitives.ReadUInt32LittleEndian(boot.AsSpan(36));
        if (_bytesPerSector is not (512 or 1024 or 2048 or 4096) || sectorsPerCluster == 0 || (sectorsPerCluster & (sectorsPerCluster - 1)) != 0
            || reserved == 0 || fats == 0 || fatSectors == 0 || totalSectors == 0)
            throw new BootFormatException("the FAT boot sector is inconsistent");
        _clusterSize = _bytesPerSector * sectorsPerCluster;
        var rootSectors = (_rootEntries * 32L + _bytesPerSector - 1) / _bytesPerSector;
        _fatOffset = (long)reserved * _bytesPerSector;
        _rootOffset = _fatOffset + fats * fatSectors * _bytesPerSector;
        _dataOffset = _rootOffset + rootSectors * _bytesPerSector;
        var dataSectors = totalSectors - (_dataOffset / _bytesPerSector);
        if (dataSectors <= 0)
            throw new BootFormatException("the FAT file system has no data area");
        _clusterCount = dataSectors / sectorsPerCluster;
        _fatBits = _clusterCount < 4085 ? 12 : _clusterCount < 65525 ? 16 : 32;
        var serialOffset = _fatBits == 32 ? 67 : 39;
        var labelOffset = _fatBits == 32 ? 71 : 43;
        _rootCluster = _fatBits == 32 ? BinaryPrimitives.ReadUInt32LittleEndian(boot.AsSpan(44)) & 0x0FFFFFFF : 0;
        var serial = BinaryPrimitives.ReadUInt32LittleEndian(boot.AsSpan(serialOffset));
        Uuid = $"{serial >> 16:X4}-{serial & 0xFFFF:X4}";
        Label = Encoding.ASCII.GetString(boot, labelOffset, 11).TrimEnd(' ', '\0');
    }

    public string Kind => "vfat";
    public string Uuid { get; }
    public string Label { get; }

    public static bool Probe(DiskRegion disk)
    {
        if (disk.Length < 1024) return false;
        var boot = disk.Read(0, 512);
        if (boot[510] != 0x55 || boot[511] != 0xAA || boot[0] is not (0xEB or 0xE9))
            return false;
        return boot.AsSpan(54, 5).SequenceEqual("FAT12"u8) || boot.AsSpan(54, 5).SequenceEqual("FAT16"u8)
            || boot.AsSpan(54, 3).SequenceEqual("FAT"u8) || boot.AsSpan(82, 5).SequenceEqual("FAT32"u8);
    }

    public static FatFileSystem Open(DiskRegion disk) => new(disk, disk.Read(0, 512));

    public BootFile? Open(string path)
    {
        var entry = Resolve(path);
        return entry is { IsDirectory: false } e ? new FatFile(this, e.Cluster, e.Size) : null;
    }

    public IReadOnlyList<string>? List(string path)
    {
        var entry = Resolve(path);
        return entry is { IsDirectory: true } e ? Entries(e.Cluster).Select(x => x.Name).Where(n => n is not "." and not "..").ToList() : null;
    }

    private readonly record struct Entry(string Name, bool IsDirectory, uint Cluster, long Size);

    private Entry? Resolve(string path)
    {
        Entry current = new("/", true, 0, 0); // cluster 0: the root directory
        foreach (var part in BootPath.Split(path))
        {
            if (!current.IsDirectory) return null;
            var next = Entries(current.Cluster).Cast<Entry?>().FirstOrDefault(e => string.Equals(e!.Value.Name, part, StringComparison.OrdinalIgnoreCase));
            if (next is null) return null;
            current = next.Value;
        }
        return current;
    }

    private List<Entry> Entries(uint cluster)
    {
        byte[] data;
        if (cluster == 0 && _fatBits != 32)
            data = _disk.Read(_rootOffset, _rootEntries * 32);
        else
        {
            using var buffer = new MemoryStream();
            new FatFile(this, cluster == 0 ? _rootCluster : cluster, -1).CopyTo(buffer, MaxDirectoryEntries * 32L, CancellationToken.None);
            data = buffer.ToArray();
        }
        var entries = new List<Entry>();
        var longName = new StringBuilder();
        for (var offset = 0; offset + 32 <= data.Length; offset += 32)
        {
            var raw = data.AsSpan(offset, 32);
            if (raw[0] == 0) break;
            if (raw[0] == 0xE5) { longName.Clear(); continue; }
            var attributes = raw[11];
            if (attributes == 0x0F)
            {
                var part = Encoding.Unicode.GetString(raw.Slice(1, 10)) + Encoding.Unicode.GetString(raw.Slice(14, 12)) + Encoding.Unicode.GetString(raw.Slice(28, 4));
                var end = part.IndexOf('\0');
                if (end >= 0) part = part[..end];
                if ((raw[0] & 0x40) != 0) longName.Clear();
                longName.Insert(0, part);
                if (longName.Length > 255) longName.Clear();
                continue;
            }
            if ((attributes & 0x08) != 0) { longName.Clear(); continue; } // volume label
            string name;
            if (longName.Length > 0)
                name = longName.ToString();
            else
            {
                // Windows NT's case bits (byte 12): 0x08 the stem, 0x10 the extension is lower case.
                var stem = Encoding.ASCII.GetString(raw[..8]).TrimEnd(' ');
                var extension = Encoding.ASCII.GetString(raw.Slice(8, 3)).TrimEnd(' ');
                if ((raw[12] & 0x08) != 0) stem = stem.ToLowerInvariant();
                if ((raw[12] & 0x10) != 0) extension = extension.ToLowerInvariant();
                name = extension.Length > 0 ? stem + "." + extension : stem;
            }
            longName.Clear();
            var first = (uint)BinaryPrimitives.ReadUInt16LittleEndian(raw[26..]) | (_fatBits == 32 ? (uint)BinaryPrimitives.ReadUInt16LittleEndian(raw[20..]) << 16 : 0);
            entries.Add(new Entry(name, (attributes & 0x10) != 0, first, BinaryPrimitives.ReadUInt32LittleEndian(raw[28..])));
        }
        return entries;
    }

    private uint Next(uint cluster)
    {
        switch (_fatBits)
        {
            case 12:
                var pair = _disk.Read(_fatOffset + cluster * 3 / 2, 2);
                var value = BinaryPrimitives.ReadUInt16LittleEndian(pair);
                return (uint)((cluster & 1) != 0 ? value >> 4 : value & 0xFFF);
            case 16:
                return BinaryPrimitives.ReadUInt16LittleEndian(_disk.Read(_fatOffset + cluster * 2, 2));
            default:
                return BinaryPrimitives.ReadUInt32LittleEndian(_disk.Read(_fatOffset + cluster * 4, 4)) & 0x0FFFFFFF;
        }
    }

    private bool IsData(uint cluster) => cluster >= 2 && cluster < _clusterCount + 2;

    private sealed class FatFile(FatFileSystem fs, uint first, long size) : BootFile
    {
        /// <summary>-1 for a directory: the chain's own length.</summary>
        public override long Length => size;

        public override void CopyTo(Stream output, long maxBytes, CancellationToken cancellationToken)
        {
            if (size > maxBytes)
                throw new BootFormatException($"a file of {size} bytes is larger than the {maxBytes}-byte limit");
            var remaining = size < 0 ? maxBytes : size;
            var cluster = first;
            var buffer = new byte[fs._clusterSize];
            long steps = 0;
            while (remaining > 0 && fs.IsData(cluster))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (++steps > fs._clusterCount)
                    throw new BootFormatException("a FAT cluster chain loops");
                fs._disk.Read(fs._dataOffset + (cluster - 2L) * fs._clusterSize, buffer);
                var chunk = (int)Math.Min(buffer.Length, remaining);
                output.Write(buffer, 0, chunk);
                remaining -= chunk;
                cluster = fs.Next(cluster);
            }
            if (size > 0 && remaining > 0)
                throw new BootFormatException("a FAT file's cluster chain ends before its size");
        }
    }
}
