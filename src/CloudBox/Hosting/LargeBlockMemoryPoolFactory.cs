using System.Buffers;
using Microsoft.AspNetCore.Connections;

namespace CloudBox.Hosting;

/// <summary>Gives Kestrel <see cref="LargeBlockMemoryPool"/>s instead of its 4 KiB-block default.</summary>
internal sealed class LargeBlockMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new LargeBlockMemoryPool();
}
