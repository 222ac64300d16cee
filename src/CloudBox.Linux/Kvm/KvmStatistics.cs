using System.Text;
using CloudBox.Linux.Interop;

namespace CloudBox.Linux.Kvm;

/// <summary>
/// KVM's binary statistics of one VM or vCPU (KVM_GET_STATS_FD): counters the kernel keeps for work that never
/// reaches userspace (instructions emulated, shadow page faults, interrupt injections, halts), read by name.
/// </summary>
public sealed unsafe class KvmStatistics : IDisposable
{
    private const int HeaderSize = 24;
    private const int DescriptorFixedSize = 16;
    private const uint TypeMask = 0xF;
    private const uint TypeCumulative = 0;

    private readonly FileDescriptor _fd;
    private readonly (string Name, uint Offset, bool Cumulative)[] _counters;
    private readonly uint _dataOffset;
    private readonly byte[] _data;

    internal KvmStatistics(FileDescriptor fd)
    {
        _fd = fd;
        Span<byte> header = stackalloc byte[HeaderSize];
        ReadAt(header, 0);
        var nameSize = BitConverter.ToUInt32(header[4..]);
        var count = BitConverter.ToUInt32(header[8..]);
        var descriptorOffset = BitConverter.ToUInt32(header[16..]);
        _dataOffset = BitConverter.ToUInt32(header[20..]);
        var descriptorSize = DescriptorFixedSize + (int)nameSize;
        var descriptors = new byte[descriptorSize * count];
        ReadAt(descriptors, descriptorOffset);
        _counters = new (string, uint, bool)[count];
        var dataEnd = 0u;
        for (var i = 0; i < count; i++)
        {
            var d = descriptors.AsSpan(i * descriptorSize, descriptorSize);
            var flags = BitConverter.ToUInt32(d);
            var size = BitConverter.ToUInt16(d[6..]);
            var offset = BitConverter.ToUInt32(d[8..]);
            var name = Encoding.ASCII.GetString(d[DescriptorFixedSize..]).TrimEnd('\0');
            _counters[i] = (name, offset, (flags & TypeMask) == TypeCumulative && size == 1);
            dataEnd = Math.Max(dataEnd, offset + size * 8u);
        }
        _data = new byte[dataEnd];
    }

    /// <summary>Every single-valued statistic, name → value, read now.</summary>
    public List<KeyValuePair<string, ulong>> Read()
    {
        ReadAt(_data, _dataOffset);
        var list = new List<KeyValuePair<string, ulong>>(_counters.Length);
        foreach (var (name, offset, single) in _counters)
            if (single) list.Add(new(name, BitConverter.ToUInt64(_data, (int)offset)));
        return list;
    }

    private void ReadAt(Span<byte> buffer, long offset)
    {
        fixed (byte* p = buffer)
        {
            var done = 0;
            while (done < buffer.Length)
            {
                var n = Libc.PRead(_fd.Value, p + done, (nuint)(buffer.Length - done), offset + done);
                if (n < 0) throw LinuxException.FromLastError("read KVM statistics");
                if (n == 0) throw new InvalidOperationException("short read of KVM statistics");
                done += (int)n;
            }
        }
    }

    public void Dispose() => _fd.Dispose();
}
