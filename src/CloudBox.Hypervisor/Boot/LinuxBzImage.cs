using System.Buffers.Binary;
using System.Text;
using CloudBox.Hypervisor.Kvm;

namespace CloudBox.Hypervisor.Boot;

/// <summary>
/// The Linux x86 boot protocol for a bzImage, entered at its 64-bit entry point (load address + 0x200): the setup
/// header is copied into a zero page we fill with the command line, initrd and e820 map.
/// </summary>
public sealed class LinuxBzImage : IBootImage
{
    private const int SetupHeaderOffset = 0x1F1;
    private const uint HeaderMagic = 0x53726448; // "HdrS"
    private const byte LoadedHigh = 0x01;
    private const byte CanUseHeap = 0x80;
    private const ushort XLoadFlagsKernel64 = 0x01;

    private readonly byte[] _image;

    public LinuxBzImage(byte[] image)
    {
        _image = image;
        if (image.Length < 0x1000 || BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(0x202)) != HeaderMagic)
            throw new InvalidDataException("not a bzImage (no HdrS setup header)");
        Version = BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(0x206));
        if (Version < 0x020C) throw new InvalidDataException($"boot protocol {Version >> 8}.{Version & 0xFF} is too old (64-bit entry needs 2.12)");
        if ((BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(0x236)) & XLoadFlagsKernel64) == 0)
            throw new InvalidDataException("bzImage has no 64-bit entry point");
    }

    public ushort Version { get; }

    public static bool LooksLikeBzImage(ReadOnlySpan<byte> head) =>
        head.Length >= 0x206 && BinaryPrimitives.ReadUInt32LittleEndian(head[0x202..]) == HeaderMagic;

    public BootEntry Load(GuestMemory memory, BootParameters parameters)
    {
        var setupSectors = _image[SetupHeaderOffset] == 0 ? 4 : _image[SetupHeaderOffset];
        var kernelOffset = (setupSectors + 1) * 512;
        var kernel = _image.AsSpan(kernelOffset);
        var initSize = BinaryPrimitives.ReadUInt32LittleEndian(_image.AsSpan(0x260));
        if (MemoryLayout.KernelLoadAddress + Math.Max((ulong)kernel.Length, initSize) > memory.LowSize)
            throw new InvalidDataException("not enough memory for the kernel");
        memory.Write(MemoryLayout.KernelLoadAddress, kernel);

        var zeroPage = memory.Span(MemoryLayout.ZeroPage, 4096);
        zeroPage.Clear();
        var headerEnd = 0x202 + _image[0x201];
        _image.AsSpan(SetupHeaderOffset, headerEnd - SetupHeaderOffset).CopyTo(zeroPage[SetupHeaderOffset..]);

        zeroPage[0x210] = 0xFF; // type_of_loader: undefined
        zeroPage[0x211] |= LoadedHigh | CanUseHeap;
        BinaryPrimitives.WriteUInt16LittleEndian(zeroPage[0x224..], 0xFE00); // heap_end_ptr
        BinaryPrimitives.WriteUInt32LittleEndian(zeroPage[0x214..], (uint)MemoryLayout.KernelLoadAddress); // code32_start

        var commandLine = Encoding.ASCII.GetBytes(parameters.CommandLine + "\0");
        var cmdlineMax = BinaryPrimitives.ReadUInt32LittleEndian(_image.AsSpan(0x238));
        if (cmdlineMax != 0 && commandLine.Length > cmdlineMax) throw new ArgumentException($"kernel command line longer than {cmdlineMax} bytes");
        memory.Write(MemoryLayout.CommandLine, commandLine);
        BinaryPrimitives.WriteUInt32LittleEndian(zeroPage[0x228..], (uint)MemoryLayout.CommandLine);
        BinaryPrimitives.WriteUInt32LittleEndian(zeroPage[0x238..], (uint)(commandLine.Length - 1));

        if (parameters.InitrdPath != null)
        {
            var initrdMax = BinaryPrimitives.ReadUInt32LittleEndian(_image.AsSpan(0x22C));
            var (address, size) = InitrdLoader.Load(memory, parameters.InitrdPath, Math.Min((ulong)initrdMax + 1, memory.LowSize));
            BinaryPrimitives.WriteUInt32LittleEndian(zeroPage[0x218..], (uint)address);
            BinaryPrimitives.WriteUInt32LittleEndian(zeroPage[0x21C..], (uint)size);
        }

        BinaryPrimitives.WriteUInt64LittleEndian(zeroPage[0x070..], parameters.RsdpAddress); // acpi_rsdp_addr
        var map = parameters.MemoryMap;
        zeroPage[0x1E8] = (byte)map.Count;
        for (var i = 0; i < map.Count; i++)
        {
            var entry = zeroPage.Slice(0x2D0 + i * 20, 20);
            BinaryPrimitives.WriteUInt64LittleEndian(entry, map[i].Address);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[8..], map[i].Size);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[16..], (uint)map[i].Type);
        }
        return new BootEntry(MemoryLayout.KernelLoadAddress + 0x200, MemoryLayout.ZeroPage, 0, LongMode: true);
    }
}
