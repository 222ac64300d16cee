using System.Buffers.Binary;

namespace CloudBox.Hypervisor.Devices;

/// <summary>Little-endian helpers for 1/2/4/8-byte bus accesses.</summary>
public static class BusData
{
    public static ulong Get(ReadOnlySpan<byte> data) => data.Length switch
    {
        1 => data[0],
        2 => BinaryPrimitives.ReadUInt16LittleEndian(data),
        4 => BinaryPrimitives.ReadUInt32LittleEndian(data),
        8 => BinaryPrimitives.ReadUInt64LittleEndian(data),
        _ => 0,
    };

    public static void Set(Span<byte> data, ulong value)
    {
        switch (data.Length)
        {
            case 1: data[0] = (byte)value; break;
            case 2: BinaryPrimitives.WriteUInt16LittleEndian(data, (ushort)value); break;
            case 4: BinaryPrimitives.WriteUInt32LittleEndian(data, (uint)value); break;
            case 8: BinaryPrimitives.WriteUInt64LittleEndian(data, value); break;
            default: data.Clear(); break;
        }
    }
}
