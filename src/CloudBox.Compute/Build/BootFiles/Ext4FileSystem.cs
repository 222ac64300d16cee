using System.Buffers.Binary;
using System.Text;

namespace CloudBox.Compute.Build.BootFiles;

/// <summary>
/// ext2/3/4, read-only: superblock, group descriptors (32- and 64-bit), inodes, extent trees and the classic
/// block maps, directories (linear; an htree directory's leaves are ordinary directory blocks, so a linear scan
/// of all its blocks finds every name), fast and slow symlinks. The journal is not replayed: boot files written
/// by a guest that crashed before a checkpoint may be stale, as with pygrub.
/// Bounds: extent depth 5, 4096 extents a file, directories of at most 64 MiB, 16 symlinks a lookup.
/// </summary>
internal sealed class Ext4FileSystem : InodeFileSystem<Ext4FileSystem.Inode>
{
    private const ushort Magic = 0xEF53;
    private const uint RootInode = 2;
    private const uint IncompatCompression = 0x1, IncompatFileType = 0x2, IncompatRecover = 0x4, IncompatJournalDev = 0x8,
        IncompatMetaBg = 0x10, IncompatExtents = 0x40, Incompat64Bit = 0x80, IncompatMmp = 0x100, IncompatFlexBg = 0x200,
        IncompatEaInode = 0x400, IncompatDirData = 0x1000, IncompatCsumSeed = 0x2000, IncompatLargeDir = 0x4000,
        IncompatInlineData = 0x8000, IncompatEncrypt = 0x10000, IncompatCasefold = 0x20000;
    private const uint Understood = IncompatFileType | IncompatRecover | IncompatMetaBg | IncompatExtents | Incompat64Bit | IncompatMmp
        | IncompatFlexBg | IncompatEaInode | IncompatCsumSeed | IncompatLargeDir | IncompatInlineData | IncompatCasefold;
    private const uint ExtentsFlag = 0x80000, InlineDataFlag = 0x10000000;
    private const int MaxExtentDepth = 5;
    private const int MaxExtents = 4096;
    private const long MaxDirectoryBytes = 64L << 20;

    private readonly DiskRegion _disk;
    private readonly int _blockSize;
    private readonly uint _inodesPerGroup;
    private readonly uint _inodeCount;
    private readonly int _inodeSize;
    private readonly int _descriptorSize;
    private readonly long _groupCount;
    private readonly long _descriptorTable;
    private readonly bool _metaBg;
    private readonly uint _firstMetaBg;
    private readonly uint _firstDataBlock;
    private readonly uint _blocksPerGroup;

    private Ext4FileSystem(DiskRegion disk, byte[] super)
    {
        _disk = disk;
        var logBlock = BinaryPrimitives.ReadUInt32LittleEndian(super.AsSpan(24));
        if (logBlock > 6)
            throw new BootFormatException($"ext4 block size 2^{10 + logBlock} is not supported");
        _blockSize = 1024 << (int)logBlock;
        _inodeCount = BinaryPrimitives.ReadUInt32LittleEndian(super);
        _firstDataBlock = BinaryPrimitives.ReadUInt32LittleEndian(super.AsSpan(20));
        _blocksPerGroup = BinaryPrimitives.ReadUInt32LittleEndian(super.AsSpan(32));
        _inodesPerGroup = BinaryPrimitives.ReadUInt32LittleEndian(super.AsSpan(40));
        var revision = BinaryPrimitives.ReadUInt32LittleEndian(super.AsSpan(76));
        _inodeSize = revision == 0 ? 128 : BinaryPrimitives.ReadUInt16LittleEndian(super.AsSpan(88));
        var incompat = BinaryPrimitives.ReadUInt32LittleEndian(super.AsSpan(96));
        if ((incompat & ~Understood) != 0)
            throw new BootFormatException($"ext4 features 0x{incompat & ~Understood:x} are not supported");
        var is64 = (incompat & Incompat64Bit) != 0;
        _descriptorSize = is64 ? BinaryPrimitives.ReadUInt16LittleEndian(super.AsSpan(254)) : 32;
        _metaBg = (incompat & IncompatMetaBg) != 0;
        _firstMetaBg = BinaryPrimitives.ReadUInt32LittleEndian(super.AsSpan(260));
        var blocks = (long)BinaryPrimitives.ReadUInt32LittleEndian(super.AsSpan(4)) | (is64 ? (long)BinaryPrimitives.ReadUInt32LittleEndian(super.AsSpan(0x150)) << 32 : 0);
        if (_inodesPerGroup == 0 || _blocksPerGroup == 0 || _inodeSize < 128 || _inodeSize > _blockSize || (_inodeSize & (_inodeSize - 1)) != 0
            || _descriptorSize < 32 || _descriptorSize > 1024 || blocks <= _firstDataBlock || _inodeCount == 0)
            throw new BootFormatException("the ext4 superblock is inconsistent");
        _groupCount = (blocks - _firstDataBlock + _blocksPerGroup - 1) / _blocksPerGroup;
        _descriptorTable = (_firstDataBlock + 1L) * _blockSize;
        Uuid = new Guid(super.AsSpan(104, 16), bigEndian: true).ToString();
        Label = Encoding.UTF8.GetString(super.AsSpan(120, 16)).TrimEnd('\0');
    }

    public override string Kind => "ext4";
    public override string Uuid { get; }
    public override string Label { get; }

    public static bool Probe(DiskRegion disk) =>
        disk.Length >= 2048 && BinaryPrimitives.ReadUInt16LittleEndian(disk.Read(1024 + 56, 2)) == Magic;

    public static Ext4FileSystem Open(DiskRegion disk) => new(disk, disk.Read(1024, 1024));

    protected override Inode Root() => ReadInode(RootInode);

    protected override IEnumerable<string> Names(Inode directory) => Entries(directory).Select(e => e.Name);

    protected override BootFile OpenFile(Inode inode) => new Ext4File(this, inode);

    protected override Inode? Lookup(Inode directory, string name)
    {
        var found = Entries(directory).FirstOrDefault(e => e.Name == name);
        return found.Inode == 0 ? null : ReadInode(found.Inode);
    }

    protected override byte[] ReadSymlink(Inode inode)
    {
        if (inode.Size > 4096)
            throw new BootFormatException("a symbolic link's target is too long");
        if (inode.Size < 60 && (inode.Flags & ExtentsFlag) == 0 && inode.BlockCount == 0 || (inode.Flags & InlineDataFlag) != 0)
        {
            if (inode.Size > 60) throw new BootFormatException("inline symbolic link larger than the inode");
            return inode.Blocks[..(int)inode.Size];
        }
        return new Ext4File(this, inode).ReadAll(4096);
    }

    private IEnumerable<(string Name, uint Inode)> Entries(Inode directory)
    {
        if (directory.Size > MaxDirectoryBytes)
            throw new BootFormatException("a directory is larger than 64 MiB");
        byte[] data;
        if ((directory.Flags & InlineDataFlag) != 0)
        {
            // Inline directory: 4 bytes of parent inode, then entries in the rest of i_block.
            var parent = BinaryPrimitives.ReadUInt32LittleEndian(directory.Blocks);
            yield return ("..", parent);
            data = directory.Blocks[4..];
        }
        else
        {
            data = new Ext4File(this, directory).ReadAll((int)MaxDirectoryBytes);
        }
        var position = 0;
        while (position + 8 <= data.Length)
        {
            var inode = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(position));
            int recordLength = BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(position + 4));
            int nameLength = data[position + 6];
            if (recordLength == 0 || recordLength == 65535)
                recordLength = _blockSize - position % _blockSize; // 64 KiB blocks encode a full-block record this way
            if (recordLength < 8 || position + recordLength > data.Length)
                break; // a damaged record ends the scan of this directory
            if (inode != 0 && nameLength > 0 && 8 + nameLength <= recordLength)
                yield return (Encoding.UTF8.GetString(data, position + 8, nameLength), inode);
            position += recordLength;
        }
    }

    private Inode ReadInode(uint number)
    {
        if (number == 0 || number > _inodeCount)
            throw new BootFormatException($"inode {number} does not exist");
        var group = (number - 1) / _inodesPerGroup;
        var index = (number - 1) % _inodesPerGroup;
        if (group >= _groupCount)
            throw new BootFormatException($"inode {number} lies in a group past the end");
        var descriptor = _disk.Read(DescriptorOffset(group), _descriptorSize);
        var table = (long)BinaryPrimitives.ReadUInt32LittleEndian(descriptor.AsSpan(8));
        if (_descriptorSize >= 64)
            table |= (long)BinaryPrimitives.ReadUInt32LittleEndian(descriptor.AsSpan(0x28)) << 32;
        var raw = _disk.Read(BlockOffset(table) + (long)index * _inodeSize, 128);
        return new Inode(raw);
    }

    /// <summary>A block number as a byte offset; a number past the end of the partition (which could overflow) is a format error.</summary>
    private long BlockOffset(long block)
    {
        if (block < 0 || block > _disk.Length / _blockSize)
            throw new BootFormatException($"ext4 block {block} lies outside the {_disk.Length}-byte partition");
        return block * _blockSize;
    }

    private long DescriptorOffset(long group)
    {
        var perBlock = _blockSize / _descriptorSize;
        if (!_metaBg || group / perBlock < _firstMetaBg)
            return _descriptorTable + group * _descriptorSize;
        // meta_bg: the descriptors of each run of perBlock groups sit in the first block of that run's first group.
        var metaGroup = group / perBlock;
        var firstGroup = metaGroup * perBlock;
        var block = _firstDataBlock + firstGroup * _blocksPerGroup + (HasSuperblockBackup(firstGroup) ? 1 : 0);
        return block * _blockSize + group % perBlock * _descriptorSize;
    }

    private static bool HasSuperblockBackup(long group)
    {
        if (group <= 1) return true;
        foreach (var b in new[] { 3L, 5L, 7L })
        {
            var p = b;
            while (p < group) p *= b;
            if (p == group) return true;
        }
        return false;
    }

    /// <summary>The (logical block, physical block, count) runs of a file, from its extent tree or block map.</summary>
    private List<(long Logical, long Physical, long Count)> Runs(Inode inode)
    {
        var runs = new List<(long, long, long)>();
        if ((inode.Flags & ExtentsFlag) != 0)
            WalkExtents(inode.Blocks, 0, runs);
        else
            WalkBlockMap(inode, runs);
        return runs;
    }

    private void WalkExtents(ReadOnlySpan<byte> node, int depth, List<(long, long, long)> runs)
    {
        if (depth > MaxExtentDepth)
            throw new BootFormatException("an extent tree is too deep");
        if (node.Length < 12 || BinaryPrimitives.ReadUInt16LittleEndian(node) != 0xF30A)
            throw new BootFormatException("an extent node has no header");
        int entries = BinaryPrimitives.ReadUInt16LittleEndian(node[2..]);
        int treeDepth = BinaryPrimitives.ReadUInt16LittleEndian(node[6..]);
        if (12 + entries * 12 > node.Length)
            throw new BootFormatException("an extent node overflows its block");
        for (var i = 0; i < entries; i++)
        {
            var entry = node.Slice(12 + i * 12, 12);
            if (treeDepth == 0)
            {
                long length = BinaryPrimitives.ReadUInt16LittleEndian(entry[4..]);
                var uninitialized = length > 32768;
                if (uninitialized) length -= 32768;
                var start = (long)BinaryPrimitives.ReadUInt16LittleEndian(entry[6..]) << 32 | BinaryPrimitives.ReadUInt32LittleEndian(entry[8..]);
                if (!uninitialized) // unwritten extents read as zeros: left as holes
                    runs.Add((BinaryPrimitives.ReadUInt32LittleEndian(entry), start, length));
                if (runs.Count > MaxExtents)
                    throw new BootFormatException("a file has too many extents");
            }
            else
            {
                var leaf = (long)BinaryPrimitives.ReadUInt16LittleEndian(entry[8..]) << 32 | BinaryPrimitives.ReadUInt32LittleEndian(entry[4..]);
                WalkExtents(_disk.Read(BlockOffset(leaf), _blockSize), depth + 1, runs);
            }
        }
    }

    private void WalkBlockMap(Inode inode, List<(long, long, long)> runs)
    {
        var blocks = (inode.Size + _blockSize - 1) / _blockSize;
        var perBlock = _blockSize / 4;
        long logical = 0;
        void Add(uint physical)
        {
            if (physical != 0 && logical < blocks)
            {
                if (runs.Count > 0 && runs[^1].Item1 + runs[^1].Item3 == logical && runs[^1].Item2 + runs[^1].Item3 == physical)
                    runs[^1] = (runs[^1].Item1, runs[^1].Item2, runs[^1].Item3 + 1);
                else
                    runs.Add((logical, physical, 1));
                if (runs.Count > MaxExtents * 16)
                    throw new BootFormatException("a file is too fragmented");
            }
            logical++;
        }
        void Walk(uint block, int level)
        {
            if (logical >= blocks) return;
            if (block == 0)
            {
                logical += (long)Math.Pow(perBlock, level);
                return;
            }
            if (level == 0)
            {
                Add(block);
                return;
            }
            var table = _disk.Read((long)block * _blockSize, _blockSize);
            for (var i = 0; i < perBlock && logical < blocks; i++)
                Walk(BinaryPrimitives.ReadUInt32LittleEndian(table.AsSpan(i * 4)), level - 1);
        }
        for (var i = 0; i < 12; i++)
            Walk(BinaryPrimitives.ReadUInt32LittleEndian(inode.Blocks.AsSpan(i * 4)), 0);
        for (var level = 1; level <= 3; level++)
            Walk(BinaryPrimitives.ReadUInt32LittleEndian(inode.Blocks.AsSpan((11 + level) * 4)), level);
    }

    internal sealed class Inode(byte[] raw) : IBootInode
    {
        public ushort Mode { get; } = BinaryPrimitives.ReadUInt16LittleEndian(raw);
        public long Size { get; } = BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(4)) | (long)BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(0x6C)) << 32;
        public uint BlockCount { get; } = BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(0x1C));
        public uint Flags { get; } = BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(0x20));
        public byte[] Blocks { get; } = raw.AsSpan(0x28, 60).ToArray();
        public bool IsDirectory => (Mode & 0xF000) == 0x4000;
        public bool IsRegular => (Mode & 0xF000) == 0x8000;
        public bool IsSymlink => (Mode & 0xF000) == 0xA000;
    }

    private sealed class Ext4File(Ext4FileSystem fs, Inode inode) : BootFile
    {
        public override long Length => inode.Size;

        public override void CopyTo(Stream output, long maxBytes, CancellationToken cancellationToken)
        {
            if (inode.Size < 0 || inode.Size > maxBytes)
                throw new BootFormatException($"a file of {inode.Size} bytes is larger than the {maxBytes}-byte limit");
            if ((inode.Flags & InlineDataFlag) != 0)
            {
                if (inode.Size > 60) throw new BootFormatException("inline data beyond the inode is not supported");
                output.Write(inode.Blocks, 0, (int)inode.Size);
                return;
            }
            var runs = fs.Runs(inode);
            runs.Sort((a, b) => a.Logical.CompareTo(b.Logical));
            var buffer = new byte[Math.Max(fs._blockSize, 1 << 20)];
            long written = 0;
            foreach (var (logical, physical, count) in runs)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var runStart = logical * fs._blockSize;
                if (runStart >= inode.Size) break;
                if (runStart < written) throw new BootFormatException("a file's extents overlap");
                WriteZeros(output, runStart - written, buffer);
                written = runStart;
                var runBytes = Math.Min(count * fs._blockSize, inode.Size - runStart);
                var from = fs.BlockOffset(physical);
                CopyRun(fs._disk, from, runBytes, output, buffer);
                written += runBytes;
            }
            WriteZeros(output, inode.Size - written, buffer);
        }
    }
}
