using CloudBox.Linux.Interop;

namespace CloudBox.Linux.Memory;

/// <summary>An mmap'ed region, unmapped on dispose. Exposes a raw pointer: guest memory and kvm_run live here.</summary>
public sealed unsafe class MemoryMapping : IDisposable
{
    private const int ProtRead = 1;
    private const int ProtWrite = 2;
    private const int MapSharedFlag = 0x01;
    private const int MapPrivate = 0x02;
    private const int MapAnonymousFlag = 0x20;
    private const int MapNoReserve = 0x4000;
    private const int MadvHugePage = 14;
    private const int MadvDontFork = 10;

    private void* _address;

    private MemoryMapping(void* address, long length)
    {
        _address = address;
        Length = length;
    }

    public byte* Pointer => (byte*)_address;

    public long Length { get; }

    /// <summary>Maps a file descriptor shared and read-write (guest RAM from a memfd, a vCPU's kvm_run).</summary>
    public static MemoryMapping MapShared(FileDescriptor fd, long length, long offset = 0)
    {
        var p = Libc.MMap(null, (nuint)length, ProtRead | ProtWrite, MapSharedFlag | MapNoReserve, fd.Value, offset);
        if (p == (void*)-1) throw LinuxException.FromLastError("mmap");
        return new MemoryMapping(p, length);
    }

    /// <summary>Maps private anonymous zeroed memory.</summary>
    public static MemoryMapping MapAnonymous(long length)
    {
        var p = Libc.MMap(null, (nuint)length, ProtRead | ProtWrite, MapPrivate | MapAnonymousFlag | MapNoReserve, -1, 0);
        if (p == (void*)-1) throw LinuxException.FromLastError("mmap anonymous");
        return new MemoryMapping(p, length);
    }

    /// <summary>Asks for transparent huge pages (fewer TLB and shadow-page misses); advisory.</summary>
    public void AdviseHugePages() => Libc.MAdvise(_address, (nuint)Length, MadvHugePage);

    /// <summary>Keeps the region out of forked children (guest RAM must not be copied by a fork).</summary>
    public void AdviseDontFork() => Libc.MAdvise(_address, (nuint)Length, MadvDontFork);

    public void Dispose()
    {
        if (_address == null) return;
        Libc.MUnmap(_address, (nuint)Length);
        _address = null;
    }
}
