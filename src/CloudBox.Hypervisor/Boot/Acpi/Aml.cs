using System.Text;

namespace CloudBox.Hypervisor.Boot.Acpi;

/// <summary>
/// The few AML encodings our DSDT needs (ACPI spec chapter 20): names, integers, packages, buffers, scopes, devices,
/// and for hot-plug an I/O operation region with its fields, If, LEqual, And, Store, locals and arguments.
/// </summary>
public static class Aml
{
    private const byte NameOp = 0x08;
    private const byte ScopeOp = 0x10;
    private const byte BufferOp = 0x11;
    private const byte PackageOp = 0x12;
    private const byte ExtOpPrefix = 0x5B;
    private const byte DeviceOp = 0x82;
    private const byte MethodOp = 0x14;
    private const byte NotifyOp = 0x86;
    private const byte IfOp = 0xA0;
    private const byte LEqualOp = 0x93;
    private const byte AndOp = 0x7B;
    private const byte StoreOp = 0x70;
    private const byte OpRegionOp = 0x80;
    private const byte FieldOp = 0x81;
    private const byte Local0Op = 0x60;
    private const byte Arg0Op = 0x68;
    private const byte NullName = 0x00;
    private const byte SystemIoSpace = 0x01;
    private const byte DwordAccessNoLockPreserve = 0x03;

    public static byte[] Name(string name, byte[] value) => [NameOp, .. NameString(name), .. value];

    public static byte[] Scope(string name, params byte[][] terms) => [ScopeOp, .. WithPkgLength([.. NameString(name), .. Concat(terms)])];

    public static byte[] Device(string name, params byte[][] terms) => [ExtOpPrefix, DeviceOp, .. WithPkgLength([.. NameString(name), .. Concat(terms)])];

    /// <summary>A serialized method with <paramref name="argumentCount"/> arguments.</summary>
    public static byte[] Method(string name, int argumentCount, params byte[][] terms) =>
        [MethodOp, .. WithPkgLength([.. NameString(name), (byte)(argumentCount & 7), .. Concat(terms)])];

    /// <summary>Notify(target, value): how the GED tells the power button device it was pressed.</summary>
    public static byte[] Notify(string target, ulong value) => [NotifyOp, .. NameString(target), .. Integer(value)];

    /// <summary>If (predicate) { terms }: the predicate is true when it evaluates to a non-zero integer.</summary>
    public static byte[] If(byte[] predicate, params byte[][] terms) => [IfOp, .. WithPkgLength([.. predicate, .. Concat(terms)])];

    public static byte[] LEqual(byte[] left, byte[] right) => [LEqualOp, .. left, .. right];

    /// <summary>And(left, right) with no target: the result is only used as a value.</summary>
    public static byte[] And(byte[] left, byte[] right) => [AndOp, .. left, .. right, NullName];

    public static byte[] Store(byte[] value, byte[] target) => [StoreOp, .. value, .. target];

    public static byte[] Local(int index) => [(byte)(Local0Op + index)];

    public static byte[] Arg(int index) => [(byte)(Arg0Op + index)];

    /// <summary>A reference to a named object (a field to read or write, a device to notify).</summary>
    public static byte[] Reference(string name) => NameString(name);

    /// <summary>OperationRegion(name, SystemIO, port, length).</summary>
    public static byte[] IoRegion(string name, ushort port, byte length) =>
        [ExtOpPrefix, OpRegionOp, .. NameString(name), SystemIoSpace, .. Integer(port), .. Integer(length)];

    /// <summary>Field(region, DWordAcc, NoLock, Preserve) with 32-bit fields laid out in order.</summary>
    public static byte[] DwordFields(string region, params string[] fields)
    {
        var list = new List<byte>();
        foreach (var field in fields)
        {
            list.AddRange(Encoding.ASCII.GetBytes(field.PadRight(4, '_')));
            list.Add(32); // bit width as a one-byte PkgLength
        }
        return [ExtOpPrefix, FieldOp, .. WithPkgLength([.. NameString(region), DwordAccessNoLockPreserve, .. list])];
    }

    public static byte[] Package(params byte[][] elements) => [PackageOp, .. WithPkgLength([(byte)elements.Length, .. Concat(elements)])];

    public static byte[] Buffer(byte[] contents) => [BufferOp, .. WithPkgLength([.. Integer((ulong)contents.Length), .. contents])];

    public static byte[] Integer(ulong value) => value switch
    {
        0 => [0x00],
        1 => [0x01],
        <= 0xFF => [0x0A, (byte)value],
        <= 0xFFFF => [0x0B, (byte)value, (byte)(value >> 8)],
        <= 0xFFFFFFFF => [0x0C, .. BitConverter.GetBytes((uint)value)],
        _ => [0x0E, .. BitConverter.GetBytes(value)],
    };

    /// <summary>A compressed EISA id such as PNP0A08, as a DWord constant.</summary>
    public static byte[] EisaId(string id)
    {
        var vendor = ((id[0] - 0x40) << 10) | ((id[1] - 0x40) << 5) | (id[2] - 0x40);
        var product = Convert.ToUInt16(id[3..], 16);
        return [0x0C, (byte)(vendor >> 8), (byte)vendor, (byte)(product >> 8), (byte)product];
    }

    public static byte[] String(string value) => [0x0D, .. Encoding.ASCII.GetBytes(value), 0];

    private static byte[] NameString(string name)
    {
        var rooted = name.StartsWith('\\');
        var segments = (rooted ? name[1..] : name).Split('.');
        var bytes = new List<byte>();
        if (rooted) bytes.Add((byte)'\\');
        if (segments.Length == 2) bytes.Add(0x2E); // DualNamePrefix
        if (segments.Length > 2) bytes.AddRange([0x2F, (byte)segments.Length]); // MultiNamePrefix
        foreach (var s in segments) bytes.AddRange(Encoding.ASCII.GetBytes(s.PadRight(4, '_')));
        return [.. bytes];
    }

    /// <summary>Prefixes a PkgLength that counts itself plus <paramref name="body"/>.</summary>
    private static byte[] WithPkgLength(byte[] body)
    {
        var length = body.Length + 1;
        if (length < 0x40) return [(byte)length, .. body];
        length = body.Length + 2;
        if (length < 0x1000) return [(byte)(0x40 | (length & 0xF)), (byte)(length >> 4), .. body];
        length = body.Length + 3;
        if (length < 0x100000) return [(byte)(0x80 | (length & 0xF)), (byte)(length >> 4), (byte)(length >> 12), .. body];
        length = body.Length + 4;
        return [(byte)(0xC0 | (length & 0xF)), (byte)(length >> 4), (byte)(length >> 12), (byte)(length >> 20), .. body];
    }

    private static byte[] Concat(byte[][] parts)
    {
        var list = new List<byte>();
        foreach (var p in parts) list.AddRange(p);
        return [.. list];
    }
}
