using System.Buffers.Binary;

namespace CloudBox.Compute.Build.BootFiles;

/// <summary>One partition: its number as GRUB and Linux count it (1-based), where it lies, and what kind it is.</summary>
internal sealed record Partition(int Number, long Start, long Length, bool Bootable, bool EfiSystem, string Type);

/// <summary>
/// Reads a disk's GPT (the primary header at LBA 1) or MBR (four primary entries and the logical partitions of an
/// extended one). A disk with neither is one file system. Counts are bounded: at most 128 GPT entries and 64
/// logical partitions; every partition must lie inside the disk.
/// </summary>
internal static class PartitionTable
{
    private const int Sector = 512;
    private const int MaxGptEntries = 128;
    private const int MaxLogical = 64;
    private static readonly Guid EfiSystemGuid = new("c12a7328-f81f-11d2-ba4b-00a0c93ec93b");
    private static readonly Guid BiosBootGuid = new("21686148-6449-6e6f-744e-656564454649");

    public static IReadOnlyList<Partition> Read(DiskRegion disk)
    {
        if (disk.Length < 2 * Sector)
            return [];
        var mbr = disk.Read(0, Sector);
        if (mbr[510] != 0x55 || mbr[511] != 0xAA)
            return [];
        var hasProtective = false;
        for (var i = 0; i < 4; i++)
            hasProtective |= mbr[446 + i * 16 + 4] == 0xEE;
        if (hasProtective)
        {
            var gpt = ReadGpt(disk);
            if (gpt is not null)
                return gpt;
        }
        // A FAT or NTFS boot sector also ends in 55 AA: an MBR's entries have status 0x00 or 0x80.
        for (var i = 0; i < 4; i++)
        {
            var status = mbr[446 + i * 16];
            if (status != 0 && status != 0x80)
                return [];
        }
        return ReadMbr(disk, mbr);
    }

    private static List<Partition>? ReadGpt(DiskRegion disk)
    {
        var header = disk.Read(Sector, Sector);
        if (!header.AsSpan(0, 8).SequenceEqual("EFI PART"u8))
            return null;
        var entriesLba = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(72));
        var count = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(80));
        var entrySize = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(84));
        if (entrySize < 128 || entrySize > 1024 || entrySize % 8 != 0 || entriesLba < 2 || entriesLba > disk.Length / Sector)
            throw new BootFormatException("the GPT header's partition entry array is malformed");
        var partitions = new List<Partition>();
        var limit = (int)Math.Min(count, MaxGptEntries);
        var entries = disk.Read(entriesLba * Sector, (int)(limit * entrySize));
        for (var i = 0; i < limit; i++)
        {
            var entry = entries.AsSpan((int)(i * entrySize), 128);
            var type = new Guid(entry[..16]);
            if (type == Guid.Empty)
                continue;
            var first = BinaryPrimitives.ReadInt64LittleEndian(entry[32..]);
            var last = BinaryPrimitives.ReadInt64LittleEndian(entry[40..]);
            if (first <= 0 || last < first || last >= disk.Length / Sector)
                continue; // outside the disk: not a partition we can read
            var attributes = BinaryPrimitives.ReadUInt64LittleEndian(entry[48..]);
            var kind = type == EfiSystemGuid ? "efi-system" : type == BiosBootGuid ? "bios-boot" : type.ToString();
            partitions.Add(new Partition(i + 1, first * Sector, (last - first + 1) * Sector, (attributes & 4) != 0, type == EfiSystemGuid, kind));
        }
        return partitions;
    }

    private static List<Partition> ReadMbr(DiskRegion disk, byte[] mbr)
    {
        var partitions = new List<Partition>();
        long extendedStart = -1;
        for (var i = 0; i < 4; i++)
        {
            var entry = mbr.AsSpan(446 + i * 16, 16);
            var type = entry[4];
            var start = (long)BinaryPrimitives.ReadUInt32LittleEndian(entry[8..]) * Sector;
            var length = (long)BinaryPrimitives.ReadUInt32LittleEndian(entry[12..]) * Sector;
            if (type == 0 || length == 0)
                continue;
            if (type is 0x05 or 0x0F or 0x85)
            {
                extendedStart = start;
                continue;
            }
            if (start > 0 && start + length <= disk.Length)
                partitions.Add(new Partition(i + 1, start, length, entry[0] == 0x80, type == 0xEF, $"mbr-0x{type:x2}"));
        }
        if (extendedStart > 0)
            ReadLogical(disk, extendedStart, partitions);
        return partitions;
    }

    /// <summary>The chain of extended boot records: logical partitions are numbered from 5.</summary>
    private static void ReadLogical(DiskRegion disk, long extendedStart, List<Partition> partitions)
    {
        var ebr = extendedStart;
        for (var number = 5; number < 5 + MaxLogical && ebr > 0 && ebr + Sector <= disk.Length; number++)
        {
            var record = disk.Read(ebr, Sector);
            if (record[510] != 0x55 || record[511] != 0xAA)
                return;
            var start = ebr + (long)BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(446 + 8)) * Sector;
            var length = (long)BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(446 + 12)) * Sector;
            if (record[446 + 4] != 0 && length > 0 && start + length <= disk.Length)
                partitions.Add(new Partition(number, start, length, record[446] == 0x80, false, $"mbr-0x{record[446 + 4]:x2}"));
            var next = (long)BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(446 + 16 + 8)) * Sector;
            if (next == 0)
                return;
            var following = extendedStart + next;
            if (following <= ebr)
                return; // the chain must move forward: a loop is refused
            ebr = following;
        }
    }
}
