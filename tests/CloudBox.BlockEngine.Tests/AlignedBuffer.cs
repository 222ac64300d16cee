using System.Runtime.InteropServices;

namespace CloudBox.BlockEngine.Tests;

/// <summary>Page-aligned native memory standing in for guest RAM (O_DIRECT needs the alignment).</summary>
internal sealed unsafe class AlignedBuffer : IDisposable
{
    public AlignedBuffer(int length)
    {
        Length = length;
        Pointer = (byte*)NativeMemory.AlignedAlloc((nuint)length, 4096);
        Span.Clear();
    }

    public byte* Pointer { get; private set; }
    public int Length { get; }
    public Span<byte> Span => new(Pointer, Length);
    public byte* At(int offset) => Pointer + offset;

    public void Dispose()
    {
        NativeMemory.AlignedFree(Pointer);
        Pointer = null;
    }
}
