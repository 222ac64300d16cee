using System.Buffers.Binary;
using System.Text;

namespace CloudBox.Telemetry.Storage;

/// <summary>
/// A fixed window of <see cref="PointsPerSplit"/> consecutive buckets of one granularity of one
/// metric, holding every aggregation method's value per bucket: a fixed-size array indexed by
/// bucket (the "ring" of Gnocchi's splits), stored compactly as a presence bitmap followed by
/// the present buckets' values only. Retention deletes whole splits and clears bits.
/// </summary>
internal sealed class SeriesSplit : IDisposable
{
    public const int PointsPerSplit = 1024;
    private const int BitmapBytes = PointsPerSplit / 8;
    private const byte FormatVersion = 1;

    private readonly ulong[] _present = new ulong[PointsPerSplit / 64];
    /// <summary>Every method's values, method-major: method m's slot s at <c>m * PointsPerSplit + s</c>; from the shared pool, back to it on <see cref="Dispose"/>.</summary>
    private double[] _values;
    private readonly int _methodCount;

    public SeriesSplit(long granularity, long start, IReadOnlyList<string> methods)
    {
        Granularity = granularity;
        Start = start;
        Methods = methods;
        _methodCount = methods.Count;
        // Not cleared: a slot is read only once its presence bit is set, and setting it fills every method.
        _values = System.Buffers.ArrayPool<double>.Shared.Rent(Math.Max(1, methods.Count) * PointsPerSplit);
    }

    /// <summary>Gives the values' array back to the pool (a processing pass decodes thousands of splits); the split is not used after.</summary>
    public void Dispose()
    {
        var values = _values;
        _values = [];
        if (values.Length > 0)
            System.Buffers.ArrayPool<double>.Shared.Return(values);
    }

    public long Granularity { get; }
    public long Start { get; }
    public IReadOnlyList<string> Methods { get; }
    public long End => Start + Granularity * PointsPerSplit;

    public static long SplitStartFor(long bucket, long granularity)
    {
        var span = granularity * PointsPerSplit;
        return FloorDiv(bucket, span) * span;
    }

    public static long FloorDiv(long value, long divisor)
    {
        var q = value / divisor;
        if ((value % divisor != 0) && ((value < 0) != (divisor < 0)))
            q--;
        return q;
    }

    public static long Round(long timestamp, long granularity) => FloorDiv(timestamp, granularity) * granularity;

    public bool IsEmpty
    {
        get
        {
            foreach (var word in _present)
            {
                if (word != 0)
                    return false;
            }
            return true;
        }
    }

    public int MethodIndex(string method)
    {
        for (var m = 0; m < Methods.Count; m++)
        {
            if (Methods[m] == method)
                return m;
        }
        return -1;
    }

    public void Set(long bucket, int method, double value)
    {
        var slot = (int)((bucket - Start) / Granularity);
        if ((_present[slot >> 6] & (1UL << (slot & 63))) == 0)
        {
            _present[slot >> 6] |= 1UL << (slot & 63);
            for (var m = 0; m < _methodCount; m++)
                _values[m * PointsPerSplit + slot] = double.NaN;
        }
        _values[method * PointsPerSplit + slot] = value;
    }

    /// <summary>Forgets every bucket before <paramref name="timestamp"/> (retention).</summary>
    public void ClearBefore(long timestamp)
    {
        if (timestamp <= Start)
            return;
        var slots = (int)Math.Min(PointsPerSplit, (timestamp - Start + Granularity - 1) / Granularity);
        for (var slot = 0; slot < slots; slot++)
            _present[slot >> 6] &= ~(1UL << (slot & 63));
    }

    /// <summary>The buckets with a value for <paramref name="method"/>, oldest first.</summary>
    public IEnumerable<MeasurePoint> Read(int method)
    {
        for (var slot = 0; slot < PointsPerSplit; slot++)
        {
            if ((_present[slot >> 6] & (1UL << (slot & 63))) == 0)
                continue;
            var value = _values[method * PointsPerSplit + slot];
            if (!double.IsNaN(value))
                yield return new MeasurePoint(Start + slot * Granularity, value);
        }
    }

    /// <summary>The slots holding a bucket, oldest first (with <see cref="ValueAt"/>: several methods of one bucket read together).</summary>
    public IEnumerable<int> PresentSlots()
    {
        for (var slot = 0; slot < PointsPerSplit; slot++)
        {
            if ((_present[slot >> 6] & (1UL << (slot & 63))) != 0)
                yield return slot;
        }
    }

    /// <summary>The start of the bucket in <paramref name="slot"/>.</summary>
    public long BucketAt(int slot) => Start + slot * Granularity;

    /// <summary>The value of <paramref name="method"/> (an index into <see cref="Methods"/>) in a present slot; NaN when that method has none.</summary>
    public double ValueAt(int method, int slot) => _values[method * PointsPerSplit + slot];

    /// <summary>The newest bucket present, or null.</summary>
    public long? LastBucket
    {
        get
        {
            for (var slot = PointsPerSplit - 1; slot >= 0; slot--)
            {
                if ((_present[slot >> 6] & (1UL << (slot & 63))) != 0)
                    return Start + slot * Granularity;
            }
            return null;
        }
    }

    public byte[] Encode()
    {
        var present = 0;
        foreach (var word in _present)
            present += System.Numerics.BitOperations.PopCount(word);
        var header = 2;
        foreach (var method in Methods)
            header += 1 + Encoding.ASCII.GetByteCount(method);
        var data = new byte[header + BitmapBytes + present * Methods.Count * 8];
        data[0] = FormatVersion;
        data[1] = (byte)Methods.Count;
        var offset = 2;
        foreach (var method in Methods)
        {
            data[offset] = (byte)method.Length;
            offset += 1 + Encoding.ASCII.GetBytes(method, data.AsSpan(offset + 1));
        }
        for (var w = 0; w < _present.Length; w++)
            BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(offset + w * 8), _present[w]);
        offset += BitmapBytes;
        for (var w = 0; w < _present.Length; w++)
        {
            var word = _present[w];
            while (word != 0)
            {
                var slot = w * 64 + System.Numerics.BitOperations.TrailingZeroCount(word);
                word &= word - 1;
                for (var m = 0; m < _methodCount; m++)
                {
                    BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(offset), _values[m * PointsPerSplit + slot]);
                    offset += 8;
                }
            }
        }
        return data;
    }

    public static SeriesSplit Decode(long granularity, long start, ReadOnlySpan<byte> data)
    {
        if (data.Length < 2 || data[0] != FormatVersion)
            throw new InvalidDataException("Unknown series split format.");
        var count = data[1];
        var methods = new string[count];
        var offset = 2;
        for (var m = 0; m < count; m++)
        {
            var length = data[offset];
            methods[m] = Encoding.ASCII.GetString(data.Slice(offset + 1, length));
            offset += 1 + length;
        }
        var split = new SeriesSplit(granularity, start, methods);
        for (var w = 0; w < split._present.Length; w++)
            split._present[w] = BinaryPrimitives.ReadUInt64LittleEndian(data[(offset + w * 8)..]);
        offset += BitmapBytes;
        for (var w = 0; w < split._present.Length; w++)
        {
            var word = split._present[w];
            while (word != 0)
            {
                var slot = w * 64 + System.Numerics.BitOperations.TrailingZeroCount(word);
                word &= word - 1;
                for (var m = 0; m < count; m++)
                {
                    split._values[m * PointsPerSplit + slot] = BinaryPrimitives.ReadDoubleLittleEndian(data[offset..]);
                    offset += 8;
                }
            }
        }
        return split;
    }

    /// <summary>
    /// Appends <paramref name="method"/>'s values of an encoded split within [<paramref name="from"/>,
    /// <paramref name="to"/>) and not before <paramref name="oldest"/>, oldest first, reading the
    /// encoded bytes in place (no other method decoded, nothing allocated but the points); false when
    /// the split does not hold that method.
    /// </summary>
    public static bool ReadEncoded(long granularity, long start, ReadOnlySpan<byte> data, string method, long from, long to, long oldest, List<MeasurePoint> into)
    {
        var (count, bitmap) = Header(data);
        var m = EncodedMethodIndex(data, count, method);
        if (m < 0)
            return false;
        var offset = bitmap + BitmapBytes + m * 8;
        var stride = count * 8;
        for (var w = 0; w < PointsPerSplit / 64; w++)
        {
            var word = BinaryPrimitives.ReadUInt64LittleEndian(data[(bitmap + w * 8)..]);
            while (word != 0)
            {
                var slot = w * 64 + System.Numerics.BitOperations.TrailingZeroCount(word);
                word &= word - 1;
                var value = BinaryPrimitives.ReadDoubleLittleEndian(data[offset..]);
                offset += stride;
                var bucket = start + slot * granularity;
                if (!double.IsNaN(value) && bucket >= from && bucket < to && bucket >= oldest)
                    into.Add(new MeasurePoint(bucket, value));
            }
        }
        return true;
    }

    /// <summary>The newest bucket present in an encoded split, or null.</summary>
    public static long? LastBucketEncoded(long granularity, long start, ReadOnlySpan<byte> data)
    {
        var (_, bitmap) = Header(data);
        for (var w = PointsPerSplit / 64 - 1; w >= 0; w--)
        {
            var word = BinaryPrimitives.ReadUInt64LittleEndian(data[(bitmap + w * 8)..]);
            if (word != 0)
                return start + (w * 64 + 63 - System.Numerics.BitOperations.LeadingZeroCount(word)) * granularity;
        }
        return null;
    }

    /// <summary>The method count and the offset of the presence bitmap of an encoded split.</summary>
    private static (int Count, int Bitmap) Header(ReadOnlySpan<byte> data)
    {
        if (data.Length < 2 || data[0] != FormatVersion)
            throw new InvalidDataException("Unknown series split format.");
        int count = data[1];
        var offset = 2;
        for (var m = 0; m < count; m++)
            offset += 1 + data[offset];
        if (data.Length < offset + BitmapBytes)
            throw new InvalidDataException("Truncated series split.");
        return (count, offset);
    }

    private static int EncodedMethodIndex(ReadOnlySpan<byte> data, int count, string method)
    {
        var offset = 2;
        for (var m = 0; m < count; m++)
        {
            int length = data[offset];
            if (length == method.Length)
            {
                var name = data.Slice(offset + 1, length);
                var same = true;
                for (var i = 0; i < length && same; i++)
                    same = name[i] == method[i];
                if (same)
                    return m;
            }
            offset += 1 + length;
        }
        return -1;
    }

    /// <summary>A copy carrying <paramref name="methods"/> (the policy's current list), values kept by name.</summary>
    public SeriesSplit WithMethods(IReadOnlyList<string> methods)
    {
        if (methods.SequenceEqual(Methods))
            return this;
        var copy = new SeriesSplit(Granularity, Start, methods);
        Array.Copy(_present, copy._present, _present.Length);
        for (var m = 0; m < methods.Count; m++)
        {
            var old = MethodIndex(methods[m]);
            if (old >= 0)
                Array.Copy(_values, old * PointsPerSplit, copy._values, m * PointsPerSplit, PointsPerSplit);
            else
                Array.Fill(copy._values, double.NaN, m * PointsPerSplit, PointsPerSplit);
        }
        return copy;
    }
}
