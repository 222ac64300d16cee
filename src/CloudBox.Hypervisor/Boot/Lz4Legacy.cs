using System.Buffers.Binary;

namespace CloudBox.Hypervisor.Boot;

/// <summary>
/// The legacy LZ4 frame the kernel's <c>lz4 -l</c> payload uses (magic 0x184C2102, then blocks of a 4-byte
/// compressed size and an LZ4 block of at most 8 MiB). Every read and copy is bounds-checked; the output is capped.
/// </summary>
internal static class Lz4Legacy
{
    public const uint Magic = 0x184C2102;
    private const int MaxBlock = 8 << 20;

    public static byte[] Decompress(ReadOnlySpan<byte> input, int expectedSize)
    {
        if (input.Length < 4 || BinaryPrimitives.ReadUInt32LittleEndian(input) != Magic)
            throw new InvalidDataException("not a legacy LZ4 frame");
        var output = new byte[expectedSize];
        var written = 0;
        var position = 4;
        while (position + 4 <= input.Length && written < expectedSize)
        {
            var size = BinaryPrimitives.ReadUInt32LittleEndian(input[position..]);
            if (size == Magic) { position += 4; continue; } // concatenated frames
            position += 4;
            if (size > MaxBlock + MaxBlock / 255 + 16 || position + size > input.Length)
                break; // the kernel appends its 4-byte size after the last block: the frame ends here
            written += DecodeBlock(input.Slice(position, (int)size), output.AsSpan(written));
            position += (int)size;
        }
        if (written != expectedSize)
            throw new InvalidDataException($"LZ4 payload decompressed to {written} bytes, not the {expectedSize} its trailer says");
        return output;
    }

    private static int DecodeBlock(ReadOnlySpan<byte> source, Span<byte> target)
    {
        int ip = 0, op = 0;
        while (ip < source.Length)
        {
            int token = source[ip++];
            var literals = token >> 4;
            if (literals == 15) literals += Length(source, ref ip);
            if (literals > source.Length - ip || literals > target.Length - op)
                throw new InvalidDataException("LZ4 literals run past the block");
            source.Slice(ip, literals).CopyTo(target[op..]);
            ip += literals;
            op += literals;
            if (ip >= source.Length) break; // the last sequence has literals only
            if (ip + 2 > source.Length) throw new InvalidDataException("LZ4 block ends inside a match offset");
            var offset = source[ip] | source[ip + 1] << 8;
            ip += 2;
            var match = (token & 15) + 4;
            if ((token & 15) == 15) match += Length(source, ref ip);
            if (offset == 0 || offset > op || match > target.Length - op)
                throw new InvalidDataException("LZ4 match out of range");
            if (offset >= match)
                target.Slice(op - offset, match).CopyTo(target[op..]);
            else
                for (var i = 0; i < match; i++) target[op + i] = target[op - offset + i];
            op += match;
        }
        return op;
    }

    private static int Length(ReadOnlySpan<byte> source, ref int ip)
    {
        var length = 0;
        byte b;
        do
        {
            if (ip >= source.Length) throw new InvalidDataException("LZ4 length runs past the block");
            b = source[ip++];
            length += b;
            if (length > MaxBlock) throw new InvalidDataException("LZ4 length too large");
        }
        while (b == 255);
        return length;
    }
}
