using System.Buffers.Binary;
using System.Text;
using CloudBox.Hypervisor.Kvm;

namespace CloudBox.Hypervisor.Boot;

/// <summary>
/// An uncompressed ELF vmlinux entered through PVH: segments are loaded at their physical addresses, the 32-bit entry
/// comes from the XEN_ELFNOTE_PHYS32_ENTRY note, and ebx points at an hvm_start_info with command line, initrd and
/// memory map.
/// </summary>
public sealed class PvhElfImage : IBootImage
{
    private const uint StartInfoMagic = 0x336EC578;
    private const uint Phys32EntryNote = 18;
    private const uint LoadSegment = 1;
    private const uint NoteSegment = 4;
    private const ulong MemoryMapAddress = MemoryLayout.PvhStartInfo + 0x100;
    private const ulong ModuleListAddress = MemoryLayout.PvhStartInfo + 0xC00;

    private readonly byte[] _image;

    public PvhElfImage(byte[] image)
    {
        _image = image;
        if (!LooksLikeElf(image) || image[4] != 2 || BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(18)) != 62)
            throw new InvalidDataException("not an x86-64 ELF64 kernel");
        Entry = FindPvhEntry() ?? throw new InvalidDataException("ELF kernel has no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)");
    }

    /// <summary>The 32-bit physical entry point named by the PVH note.</summary>
    public uint Entry { get; }

    public static bool LooksLikeElf(ReadOnlySpan<byte> head) => head.Length > 64 && head[0] == 0x7F && head[1] == (byte)'E' && head[2] == (byte)'L' && head[3] == (byte)'F';

    public BootEntry Load(GuestMemory memory, BootParameters parameters)
    {
        foreach (var (type, offset, address, fileSize, memorySize) in Segments())
        {
            if (type != LoadSegment) continue;
            if (address + memorySize > memory.LowSize) throw new InvalidDataException("not enough memory for the kernel");
            memory.Write(address, _image.AsSpan((int)offset, (int)fileSize));
            memory.Span(address + fileSize, (int)(memorySize - fileSize)).Clear();
        }

        var commandLine = Encoding.ASCII.GetBytes(parameters.CommandLine + "\0");
        if (commandLine.Length > MemoryLayout.CommandLineMax) throw new ArgumentException("kernel command line too long");
        memory.Write(MemoryLayout.CommandLine, commandLine);

        var modules = 0u;
        if (parameters.InitrdPath != null)
        {
            var (address, size) = InitrdLoader.Load(memory, parameters.InitrdPath, memory.LowSize);
            var module = memory.Span(ModuleListAddress, 32);
            module.Clear();
            BinaryPrimitives.WriteUInt64LittleEndian(module, address);
            BinaryPrimitives.WriteUInt64LittleEndian(module[8..], size);
            modules = 1;
        }

        var map = parameters.MemoryMap;
        for (var i = 0; i < map.Count; i++)
        {
            var entry = memory.Span(MemoryMapAddress + (ulong)i * 24, 24);
            BinaryPrimitives.WriteUInt64LittleEndian(entry, map[i].Address);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[8..], map[i].Size);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[16..], (uint)map[i].Type);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[20..], 0);
        }

        var info = memory.Span(MemoryLayout.PvhStartInfo, 56);
        info.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(info, StartInfoMagic);
        BinaryPrimitives.WriteUInt32LittleEndian(info[4..], 1); // version 1: has the memory map
        BinaryPrimitives.WriteUInt32LittleEndian(info[12..], modules);
        BinaryPrimitives.WriteUInt64LittleEndian(info[16..], modules > 0 ? ModuleListAddress : 0);
        BinaryPrimitives.WriteUInt64LittleEndian(info[24..], MemoryLayout.CommandLine);
        BinaryPrimitives.WriteUInt64LittleEndian(info[32..], parameters.RsdpAddress);
        BinaryPrimitives.WriteUInt64LittleEndian(info[40..], MemoryMapAddress);
        BinaryPrimitives.WriteUInt32LittleEndian(info[48..], (uint)map.Count);
        return new BootEntry(Entry, 0, MemoryLayout.PvhStartInfo, LongMode: false);
    }

    private IEnumerable<(uint Type, ulong Offset, ulong PhysicalAddress, ulong FileSize, ulong MemorySize)> Segments()
    {
        var tableOffset = BinaryPrimitives.ReadUInt64LittleEndian(_image.AsSpan(32));
        var entrySize = BinaryPrimitives.ReadUInt16LittleEndian(_image.AsSpan(54));
        var count = BinaryPrimitives.ReadUInt16LittleEndian(_image.AsSpan(56));
        for (var i = 0; i < count; i++)
        {
            var header = _image.AsSpan((int)(tableOffset + (ulong)(i * entrySize)), 56);
            var type = BinaryPrimitives.ReadUInt32LittleEndian(header);
            var offset = BinaryPrimitives.ReadUInt64LittleEndian(header[8..]);
            var physical = BinaryPrimitives.ReadUInt64LittleEndian(header[24..]);
            var fileSize = BinaryPrimitives.ReadUInt64LittleEndian(header[32..]);
            var memorySize = BinaryPrimitives.ReadUInt64LittleEndian(header[40..]);
            if (offset + fileSize > (ulong)_image.Length || fileSize > memorySize) throw new InvalidDataException("ELF segment out of bounds");
            yield return (type, offset, physical, fileSize, memorySize);
        }
    }

    private uint? FindPvhEntry()
    {
        foreach (var (type, offset, _, fileSize, _) in Segments())
        {
            if (type != NoteSegment) continue;
            var notes = _image.AsSpan((int)offset, (int)fileSize);
            while (notes.Length >= 12)
            {
                var nameSize = (int)BinaryPrimitives.ReadUInt32LittleEndian(notes);
                var descSize = (int)BinaryPrimitives.ReadUInt32LittleEndian(notes[4..]);
                var noteType = BinaryPrimitives.ReadUInt32LittleEndian(notes[8..]);
                var descStart = 12 + Align4(nameSize);
                if (descStart + descSize > notes.Length) break;
                var name = notes.Slice(12, nameSize);
                if (noteType == Phys32EntryNote && name.StartsWith("Xen"u8) && descSize >= 4)
                    return BinaryPrimitives.ReadUInt32LittleEndian(notes[descStart..]);
                notes = notes[Math.Min(notes.Length, descStart + Align4(descSize))..];
            }
        }
        return null;
    }

    private static int Align4(int value) => (value + 3) & ~3;
}
