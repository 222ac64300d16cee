using System.Buffers.Binary;
using System.Text;

namespace CloudBox.Compute.Build.BootFiles;

/// <summary>
/// XFS, read-only, as RHEL-likes, Fedora, Rocky and Alma lay out their root or /boot: version 5 superblocks (CRC
/// features; version 4 with directory version 2 read as well), inodes v3 (and v1/v2), inode numbers decoded into
/// allocation group, block and slot (so sparse inode chunks need no inode btree), file data in extents or a bmap
/// btree, directories short-form, block, leaf and node (the names live in the data blocks below the 32 GiB leaf
/// offset, so a scan of those finds every name without the hash index), symlinks local and remote. Checksums are not
/// verified and the log is not replayed: as GRUB and pygrub, a disk is read as its blocks stand.
/// Bounds: btree depth 8, 65536 extents a file, 4096 btree blocks a file, directories of at most 16 MiB,
/// symlinks of at most 1024 bytes, 16 symlinks a lookup; every read is checked against the partition.
/// </summary>
internal sealed class XfsFileSystem : InodeFileSystem<XfsFileSystem.Inode>
{
    private const uint Magic = 0x58465342; // "XFSB"
    private const ushort InodeMagic = 0x494E; // "IN"
    private const uint IncompatFileType = 0x1, IncompatSparseInodes = 0x2, IncompatMetaUuid = 0x4, IncompatBigTime = 0x8,
        IncompatNeedsRepair = 0x10, IncompatLargeExtentCounts = 0x20, IncompatExchangeRange = 0x40, IncompatParent = 0x80;
    private const uint Understood = IncompatFileType | IncompatSparseInodes | IncompatMetaUuid | IncompatBigTime
        | IncompatLargeExtentCounts | IncompatExchangeRange | IncompatParent;
    private const ushort VersionDirV2 = 0x2000, VersionMoreBits = 0x8000;
    private const uint Features2FileType = 0x200;
    private const byte FormatLocal = 1, FormatExtents = 2, FormatBtree = 3;
    private const ushort FlagRealtime = 0x1;
    private const ulong Flag2LargeExtentCounts = 0x10;
    private const int MaxBtreeDepth = 8;
    private const int MaxExtents = 65536;
    private const int MaxBtreeBlocks = 4096;
    private const long MaxDirectoryBytes = 16L << 20;
    private const int MaxSymlinkBytes = 1024;
    private const long DirectoryLeafOffset = 1L << 35; // byte offset of a directory's leaf section: the data blocks lie below

    private readonly DiskRegion _disk;
    private readonly bool _v5;
    private readonly int _blockSize;
    private readonly int _blockLog;
    private readonly uint _agBlocks;
    private readonly uint _agCount;
    private readonly int _agBlockLog;
    private readonly int _inodeSize;
    private readonly int _inodesPerBlockLog;
    private readonly int _coreSize;
    private readonly int _directoryBlockSize;
    private readonly bool _fileType;
    private readonly ulong _rootInode;

    private XfsFileSystem(DiskRegion disk, byte[] super)
    {
        _disk = disk;
        var versionNumber = BinaryPrimitives.ReadUInt16BigEndian(super.AsSpan(100));
        var version = versionNumber & 0xF;
        if (version is not (4 or 5))
            throw new BootFormatException($"XFS superblock version {version} is not supported");
        _v5 = version == 5;
        _blockSize = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(super.AsSpan(4)), int.MaxValue);
        _blockLog = super[120];
        _agBlocks = BinaryPrimitives.ReadUInt32BigEndian(super.AsSpan(84));
        _agCount = BinaryPrimitives.ReadUInt32BigEndian(super.AsSpan(88));
        _inodeSize = BinaryPrimitives.ReadUInt16BigEndian(super.AsSpan(104));
        int inodesPerBlock = BinaryPrimitives.ReadUInt16BigEndian(super.AsSpan(106));
        int inodeLog = super[122];
        _inodesPerBlockLog = super[123];
        _agBlockLog = super[124];
        int directoryBlockLog = super[192];
        var dataBlocks = BinaryPrimitives.ReadUInt64BigEndian(super.AsSpan(8));
        _rootInode = BinaryPrimitives.ReadUInt64BigEndian(super.AsSpan(56));
        if (_blockLog is < 9 or > 16 || _blockSize != 1 << _blockLog
            || inodeLog is < 8 or > 11 || _inodeSize != 1 << inodeLog || _inodeSize > _blockSize || (_v5 && _inodeSize < 512)
            || _inodesPerBlockLog != _blockLog - inodeLog || inodesPerBlock != 1 << _inodesPerBlockLog
            || _agBlocks == 0 || _agCount == 0 || _agBlockLog is < 1 or > 31
            || 1L << _agBlockLog < _agBlocks || 1L << (_agBlockLog - 1) >= _agBlocks
            || _blockLog + directoryBlockLog > 16 || dataBlocks == 0 || dataBlocks > (ulong)_agCount * _agBlocks)
            throw new BootFormatException("the XFS superblock is inconsistent");
        if ((ulong)_agCount * _agBlocks > (ulong)(disk.Length >> _blockLog) + _agBlocks)
            throw new BootFormatException($"the XFS file system ({_agCount} groups of {_agBlocks} blocks) is larger than its partition");
        _directoryBlockSize = _blockSize << directoryBlockLog;
        if (_v5)
        {
            _coreSize = 176;
            var incompat = BinaryPrimitives.ReadUInt32BigEndian(super.AsSpan(216));
            if ((incompat & IncompatNeedsRepair) != 0)
                throw new BootFormatException("the XFS file system is marked as needing xfs_repair");
            if ((incompat & ~Understood) != 0)
                throw new BootFormatException($"XFS incompatible features 0x{incompat & ~Understood:x} are not supported");
            _fileType = (incompat & IncompatFileType) != 0;
        }
        else
        {
            _coreSize = 100;
            if ((versionNumber & VersionDirV2) == 0)
                throw new BootFormatException("XFS version 1 directories are not supported");
            var features2 = (versionNumber & VersionMoreBits) != 0 ? BinaryPrimitives.ReadUInt32BigEndian(super.AsSpan(200)) : 0;
            _fileType = (features2 & Features2FileType) != 0;
        }
        Uuid = new Guid(super.AsSpan(32, 16), bigEndian: true).ToString();
        Label = Encoding.UTF8.GetString(super.AsSpan(108, 12)).TrimEnd('\0');
    }

    public override string Kind => "xfs";
    public override string Uuid { get; }
    public override string Label { get; }

    public static bool Probe(DiskRegion disk) =>
        disk.Length >= 4096 && BinaryPrimitives.ReadUInt32BigEndian(disk.Read(0, 4)) == Magic;

    public static XfsFileSystem Open(DiskRegion disk) => new(disk, disk.Read(0, 512));

    protected override Inode Root() => ReadInode(_rootInode);

    protected override IEnumerable<string> Names(Inode directory) => Entries(directory).Select(e => e.Name);

    protected override BootFile OpenFile(Inode inode) => new XfsFile(this, inode);

    protected override Inode? Lookup(Inode directory, string name)
    {
        var found = Entries(directory).FirstOrDefault(e => e.Name == name);
        return found.Inode == 0 ? null : ReadInode(found.Inode);
    }

    /// <summary>An inode by number: the allocation group, the block in it and the slot in that block are fields of the number.</summary>
    private Inode ReadInode(ulong number)
    {
        var group = number >> (_agBlockLog + _inodesPerBlockLog);
        var block = (number >> _inodesPerBlockLog) & ((1UL << _agBlockLog) - 1);
        var slot = number & ((1UL << _inodesPerBlockLog) - 1);
        if (number == 0 || group >= _agCount || block >= _agBlocks)
            throw new BootFormatException($"XFS inode {number} does not exist");
        var raw = _disk.Read(((long)group * _agBlocks + (long)block) * _blockSize + (long)slot * _inodeSize, _inodeSize);
        if (BinaryPrimitives.ReadUInt16BigEndian(raw) != InodeMagic)
            throw new BootFormatException($"XFS inode {number} has no inode magic");
        var version = raw[4];
        if (_v5 ? version != 3 : version is not (1 or 2))
            throw new BootFormatException($"XFS inode {number} has version {version}");
        return new Inode(this, number, raw);
    }

    internal sealed class Inode : IBootInode
    {
        public Inode(XfsFileSystem fs, ulong number, byte[] raw)
        {
            Number = number;
            Mode = BinaryPrimitives.ReadUInt16BigEndian(raw.AsSpan(2));
            Format = raw[5];
            var size = BinaryPrimitives.ReadUInt64BigEndian(raw.AsSpan(56));
            if (size > long.MaxValue)
                throw new BootFormatException($"XFS inode {number} has a negative size");
            Size = (long)size;
            Flags = BinaryPrimitives.ReadUInt16BigEndian(raw.AsSpan(90));
            var flags2 = fs._v5 ? BinaryPrimitives.ReadUInt64BigEndian(raw.AsSpan(120)) : 0;
            var extents = (flags2 & Flag2LargeExtentCounts) != 0
                ? BinaryPrimitives.ReadUInt64BigEndian(raw.AsSpan(24))
                : BinaryPrimitives.ReadUInt32BigEndian(raw.AsSpan(76));
            ExtentCount = (long)Math.Min(extents, int.MaxValue);
            int forkOffset = raw[82];
            var literal = fs._inodeSize - fs._coreSize;
            var dataForkSize = forkOffset == 0 ? literal : forkOffset * 8;
            if (dataForkSize > literal)
                throw new BootFormatException($"XFS inode {number} has an attribute fork outside the inode");
            DataFork = raw.AsSpan(fs._coreSize, dataForkSize).ToArray();
        }

        public ulong Number { get; }
        public ushort Mode { get; }
        public byte Format { get; }
        public long Size { get; }
        public ushort Flags { get; }
        public long ExtentCount { get; }
        public byte[] DataFork { get; }
        public bool IsDirectory => (Mode & 0xF000) == 0x4000;
        public bool IsRegular => (Mode & 0xF000) == 0x8000;
        public bool IsSymlink => (Mode & 0xF000) == 0xA000;
    }

    /// <summary>A run of a file: <paramref name="Count"/> blocks from logical block <paramref name="Logical"/>, at linear block <paramref name="Physical"/> of the partition.</summary>
    private readonly record struct Run(long Logical, long Physical, long Count, bool Unwritten);

    /// <summary>The runs of an extents- or btree-format data fork, sorted by logical block and checked not to overlap.</summary>
    private List<Run> Runs(Inode inode)
    {
        if ((inode.Flags & FlagRealtime) != 0)
            throw new BootFormatException($"XFS inode {inode.Number} keeps its data on a realtime device");
        var runs = new List<Run>();
        switch (inode.Format)
        {
            case FormatExtents:
                if (inode.ExtentCount > inode.DataFork.Length / 16)
                    throw new BootFormatException($"XFS inode {inode.Number} claims more extents than its fork holds");
                for (var i = 0; i < inode.ExtentCount; i++)
                    AddRecord(inode.DataFork.AsSpan(i * 16, 16), runs);
                break;
            case FormatBtree:
                WalkBtreeRoot(inode, runs);
                break;
            default:
                throw new BootFormatException($"XFS inode {inode.Number} has data fork format {inode.Format}");
        }
        runs.Sort((a, b) => a.Logical.CompareTo(b.Logical));
        for (var i = 1; i < runs.Count; i++)
            if (runs[i - 1].Logical + runs[i - 1].Count > runs[i].Logical)
                throw new BootFormatException($"XFS inode {inode.Number} has overlapping extents");
        return runs;
    }

    /// <summary>A packed 128-bit extent record: unwritten flag, 54-bit logical offset, 52-bit start block, 21-bit length.</summary>
    private void AddRecord(ReadOnlySpan<byte> record, List<Run> runs)
    {
        var high = BinaryPrimitives.ReadUInt64BigEndian(record);
        var low = BinaryPrimitives.ReadUInt64BigEndian(record[8..]);
        var unwritten = high >> 63 != 0;
        var logical = (long)((high & ~(1UL << 63)) >> 9);
        var start = (high & 0x1FF) << 43 | low >> 21;
        var count = (long)(low & 0x1FFFFF);
        if (count == 0 || logical + count > 1L << (62 - _blockLog))
            throw new BootFormatException("an XFS extent is empty or lies beyond the largest file offset");
        runs.Add(new Run(logical, Linear(start, count), count, unwritten));
        if (runs.Count > MaxExtents)
            throw new BootFormatException("an XFS file has too many extents");
    }

    /// <summary>A file system block number (group in the high bits, block in group in the low) as a block of the partition.</summary>
    private long Linear(ulong fsBlock, long count)
    {
        var group = fsBlock >> _agBlockLog;
        var block = fsBlock & ((1UL << _agBlockLog) - 1);
        if (group >= _agCount || block >= _agBlocks || (ulong)count > _agBlocks - block)
            throw new BootFormatException($"XFS block {fsBlock} (+{count}) lies outside its allocation group");
        return (long)group * _agBlocks + (long)block;
    }

    private void WalkBtreeRoot(Inode inode, List<Run> runs)
    {
        var fork = inode.DataFork;
        if (fork.Length < 4 + 16)
            throw new BootFormatException($"XFS inode {inode.Number} has a btree root too small to hold a pointer");
        int level = BinaryPrimitives.ReadUInt16BigEndian(fork);
        int records = BinaryPrimitives.ReadUInt16BigEndian(fork.AsSpan(2));
        var slots = (fork.Length - 4) / 16;
        if (level is < 1 or > MaxBtreeDepth || records > slots)
            throw new BootFormatException($"XFS inode {inode.Number} has a malformed btree root");
        var visited = 0;
        for (var i = 0; i < records; i++)
        {
            var pointer = BinaryPrimitives.ReadUInt64BigEndian(fork.AsSpan(4 + slots * 8 + i * 8));
            WalkBtreeBlock(pointer, level - 1, runs, ref visited);
        }
    }

    private void WalkBtreeBlock(ulong pointer, int level, List<Run> runs, ref int visited)
    {
        if (++visited > MaxBtreeBlocks)
            throw new BootFormatException("an XFS extent btree has too many blocks");
        var block = _disk.Read(Linear(pointer, 1) * _blockSize, _blockSize);
        var magic = BinaryPrimitives.ReadUInt32BigEndian(block);
        if (magic != (_v5 ? 0x424D4133u : 0x424D4150u)) // "BMA3" / "BMAP"
            throw new BootFormatException($"XFS block {pointer} is not an extent btree block");
        var header = _v5 ? 72 : 24;
        int blockLevel = BinaryPrimitives.ReadUInt16BigEndian(block.AsSpan(4));
        int records = BinaryPrimitives.ReadUInt16BigEndian(block.AsSpan(6));
        var slots = (_blockSize - header) / 16;
        if (blockLevel != level || records > slots)
            throw new BootFormatException($"XFS extent btree block {pointer} is malformed");
        for (var i = 0; i < records; i++)
        {
            if (level == 0)
                AddRecord(block.AsSpan(header + i * 16, 16), runs);
            else
                WalkBtreeBlock(BinaryPrimitives.ReadUInt64BigEndian(block.AsSpan(header + slots * 8 + i * 8)), level - 1, runs, ref visited);
        }
    }

    /// <summary>Fills <paramref name="buffer"/> from a file's logical byte <paramref name="offset"/>; holes and unwritten extents read as zeros.</summary>
    private void ReadLogical(List<Run> runs, long offset, Span<byte> buffer)
    {
        buffer.Clear();
        var end = offset + buffer.Length;
        foreach (var run in runs)
        {
            var runStart = run.Logical << _blockLog;
            var runEnd = runStart + (run.Count << _blockLog);
            if (runEnd <= offset || runStart >= end || run.Unwritten)
                continue;
            var from = Math.Max(offset, runStart);
            var to = Math.Min(end, runEnd);
            _disk.Read((run.Physical << _blockLog) + (from - runStart), buffer[(int)(from - offset)..(int)(to - offset)]);
        }
    }

    protected override byte[] ReadSymlink(Inode inode)
    {
        if (inode.Size is <= 0 or > MaxSymlinkBytes)
            throw new BootFormatException($"XFS symbolic link {inode.Number} has length {inode.Size}");
        if (inode.Format == FormatLocal)
        {
            if (inode.Size > inode.DataFork.Length)
                throw new BootFormatException($"XFS symbolic link {inode.Number} is larger than its inode");
            return inode.DataFork[..(int)inode.Size];
        }
        // Remote: v5 blocks start with a 56-byte header ("XSLM") before their part of the target.
        var runs = Runs(inode);
        var header = _v5 ? 56 : 0;
        var perBlock = _blockSize - header;
        var target = new byte[inode.Size];
        var block = new byte[_blockSize];
        for (var done = 0L; done < inode.Size; done += perBlock)
        {
            ReadLogical(runs, done / perBlock * _blockSize, block);
            if (_v5 && BinaryPrimitives.ReadUInt32BigEndian(block) != 0x58534C4D)
                throw new BootFormatException($"XFS symbolic link {inode.Number} has a block without its header");
            var take = (int)Math.Min(perBlock, inode.Size - done);
            block.AsSpan(header, take).CopyTo(target.AsSpan((int)done));
        }
        return target;
    }

    private IEnumerable<(string Name, ulong Inode)> Entries(Inode directory) =>
        directory.Format == FormatLocal ? ShortFormEntries(directory) : BlockEntries(directory);

    /// <summary>A short-form directory inside the inode: a header with the parent, then (name, offset, type, inode number) entries.</summary>
    private List<(string Name, ulong Inode)> ShortFormEntries(Inode directory)
    {
        var data = directory.DataFork;
        if (directory.Size < 6 || directory.Size > data.Length)
            throw new BootFormatException($"XFS short-form directory {directory.Number} has size {directory.Size}");
        var size = (int)directory.Size;
        int count = data[0];
        var numberSize = data[1] > 0 ? 8 : 4;
        ulong ReadNumber(int at) => numberSize == 8 ? BinaryPrimitives.ReadUInt64BigEndian(data.AsSpan(at)) : BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(at));
        if (2 + numberSize > size)
            throw new BootFormatException($"XFS short-form directory {directory.Number} is truncated");
        var entries = new List<(string, ulong)> { ("..", ReadNumber(2)) };
        var position = 2 + numberSize;
        for (var i = 0; i < count; i++)
        {
            if (position + 3 > size)
                throw new BootFormatException($"XFS short-form directory {directory.Number} is truncated");
            int nameLength = data[position];
            var length = 3 + nameLength + (_fileType ? 1 : 0) + numberSize;
            if (nameLength == 0 || position + length > size)
                throw new BootFormatException($"XFS short-form directory {directory.Number} has a malformed entry");
            entries.Add((Encoding.UTF8.GetString(data, position + 3, nameLength), ReadNumber(position + length - numberSize)));
            position += length;
        }
        return entries;
    }

    /// <summary>
    /// A block, leaf or node directory: every directory block below the leaf offset is a data block ("XDB3" for a
    /// single-block directory, whose tail holds the leaf entries; "XDD3" otherwise) of free and used entries.
    /// </summary>
    private IEnumerable<(string Name, ulong Inode)> BlockEntries(Inode directory)
    {
        var runs = Runs(directory);
        var blocksPerDirectoryBlock = _directoryBlockSize >> _blockLog;
        var dataBlocks = new SortedSet<long>();
        foreach (var run in runs)
        {
            var last = Math.Min(run.Logical + run.Count, DirectoryLeafOffset >> _blockLog);
            for (var block = run.Logical; block < last; block++)
            {
                dataBlocks.Add(block / blocksPerDirectoryBlock);
                if ((long)dataBlocks.Count * _directoryBlockSize > MaxDirectoryBytes)
                    throw new BootFormatException($"XFS directory {directory.Number} is larger than 16 MiB");
            }
        }
        var header = _v5 ? 64 : 16;
        var buffer = new byte[_directoryBlockSize];
        foreach (var index in dataBlocks)
        {
            ReadLogical(runs, index * _directoryBlockSize, buffer);
            var magic = BinaryPrimitives.ReadUInt32BigEndian(buffer);
            int end;
            if (magic == (_v5 ? 0x58444233u : 0x58443242u)) // "XDB3" / "XD2B": the leaf entries and a tail close the block
            {
                var leafEntries = BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(_directoryBlockSize - 8));
                if (leafEntries > (uint)(_directoryBlockSize - header - 8) / 8)
                    throw new BootFormatException($"XFS directory {directory.Number} has a malformed block tail");
                end = _directoryBlockSize - 8 - (int)leafEntries * 8;
            }
            else if (magic == (_v5 ? 0x58444433u : 0x58443244u)) // "XDD3" / "XD2D"
            {
                end = _directoryBlockSize;
            }
            else
            {
                throw new BootFormatException($"XFS directory {directory.Number} has a data block without a data header");
            }
            foreach (var entry in DataBlockEntries(buffer, header, end))
                yield return entry;
        }
    }

    private List<(string Name, ulong Inode)> DataBlockEntries(byte[] block, int start, int end)
    {
        var entries = new List<(string, ulong)>();
        var position = start;
        while (position + 8 <= end)
        {
            if (BinaryPrimitives.ReadUInt16BigEndian(block.AsSpan(position)) == 0xFFFF)
            {
                int free = BinaryPrimitives.ReadUInt16BigEndian(block.AsSpan(position + 2));
                if (free < 8 || free % 8 != 0 || position + free > end)
                    break; // a damaged record ends the scan of this block
                position += free;
                continue;
            }
            if (position + 16 > end)
                break; // the smallest used entry is 16 bytes
            var number = BinaryPrimitives.ReadUInt64BigEndian(block.AsSpan(position));
            int nameLength = block[position + 8];
            var length = (8 + 1 + nameLength + (_fileType ? 1 : 0) + 2 + 7) & ~7;
            if (nameLength == 0 || position + length > end)
                break;
            entries.Add((Encoding.UTF8.GetString(block, position + 9, nameLength), number));
            position += length;
        }
        return entries;
    }

    private sealed class XfsFile(XfsFileSystem fs, Inode inode) : BootFile
    {
        public override long Length => inode.Size;

        public override void CopyTo(Stream output, long maxBytes, CancellationToken cancellationToken)
        {
            if (inode.Size > maxBytes)
                throw new BootFormatException($"a file of {inode.Size} bytes is larger than the {maxBytes}-byte limit");
            if (inode.Format == FormatLocal)
            {
                if (inode.Size > inode.DataFork.Length) throw new BootFormatException($"XFS inode {inode.Number} is larger than its inline data");
                output.Write(inode.DataFork, 0, (int)inode.Size);
                return;
            }
            var runs = fs.Runs(inode);
            var buffer = new byte[Math.Max(fs._blockSize, 1 << 20)];
            long written = 0;
            foreach (var run in runs)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var runStart = run.Logical << fs._blockLog;
                if (runStart >= inode.Size) break;
                if (run.Unwritten) continue; // preallocated, never written: reads as zeros
                WriteZeros(output, runStart - written, buffer);
                written = runStart;
                var runBytes = Math.Min(run.Count << fs._blockLog, inode.Size - runStart);
                var from = run.Physical << fs._blockLog;
                CopyRun(fs._disk, from, runBytes, output, buffer);
                written += runBytes;
            }
            WriteZeros(output, inode.Size - written, buffer);
        }
    }
}
