using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace CloudBox.Hosting;

/// <summary>
/// The memory Kestrel's socket transport reads requests into and writes responses from, in
/// 64 KiB blocks. Kestrel's default pool hands out 4 KiB blocks and receives into at most half
/// of one, so a 1 GiB upload (an image, an object) cost half a million recv(2) calls and as many
/// pipe hand-offs; with 64 KiB blocks the same bytes arrive in a few thousand.
/// </summary>
internal sealed class LargeBlockMemoryPool : MemoryPool<byte>
{
    public const int BlockBytes = 64 << 10;

    /// <summary>Blocks kept for reuse (16 MiB); beyond that returned blocks are left to the GC.</summary>
    private const int MaxPooledBlocks = 256;

    private readonly ConcurrentQueue<Block> _free = new();
    private int _pooled;

    public override int MaxBufferSize => BlockBytes;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockBytes);
        if (_free.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _pooled);
            return block;
        }
        return new Block(this);
    }

    private void Return(Block block)
    {
        if (Interlocked.Increment(ref _pooled) <= MaxPooledBlocks)
            _free.Enqueue(block);
        else
            Interlocked.Decrement(ref _pooled);
    }

    protected override void Dispose(bool disposing) => _free.Clear();

    /// <summary>A pinned array (the socket hands its address to the kernel) that goes back to its pool when disposed.</summary>
    private sealed class Block(LargeBlockMemoryPool pool) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory { get; } = MemoryMarshal.CreateFromPinnedArray(GC.AllocateUninitializedArray<byte>(BlockBytes, pinned: true), 0, BlockBytes);

        public void Dispose() => pool.Return(this);
    }
}
