using System.Buffers.Binary;
using System.Text;

namespace CloudBox.Compute.ConfigDrive;

/// <summary>
/// A minimal ISO 9660 writer for config drives: one primary volume descriptor with a label,
/// nested directories and small files, names kept as given (Linux's isofs shows them in lower case
/// with the <c>;1</c> version stripped). Every directory must fit one 2048-byte sector.
/// </summary>
public static class IsoImageWriter
{
    private const int Sector = 2048;

    private sealed class Node(string name, bool isDirectory)
    {
        public string Name { get; } = name;
        public bool IsDirectory { get; } = isDirectory;
        public SortedDictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);
        public byte[] Data { get; set; } = [];
        public int Extent { get; set; }
        public int Number { get; set; }
        public Node? Parent { get; set; }
        public int Length => IsDirectory ? Sector : Data.Length;
    }

    /// <summary>Writes <paramref name="files"/> (paths with '/' separators) as an ISO image labelled <paramref name="label"/>.</summary>
    public static byte[] Build(string label, IReadOnlyDictionary<string, byte[]> files)
    {
        var root = new Node("", true);
        root.Parent = root;
        foreach (var (path, data) in files)
        {
            var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            var directory = root;
            for (var i = 0; i < parts.Length - 1; i++)
            {
                if (!directory.Children.TryGetValue(parts[i], out var child))
                {
                    child = new Node(parts[i], true) { Parent = directory };
                    directory.Children[parts[i]] = child;
                }
                directory = child;
            }
            directory.Children[parts[^1]] = new Node(parts[^1], false) { Data = data, Parent = directory };
        }

        // Directories breadth-first (the path table's order), then files.
        var directories = new List<Node> { root };
        for (var i = 0; i < directories.Count; i++)
            directories.AddRange(directories[i].Children.Values.Where(c => c.IsDirectory));
        for (var i = 0; i < directories.Count; i++)
            directories[i].Number = i + 1;

        var next = 20; // 16 PVD, 17 terminator, 18 L path table, 19 M path table
        foreach (var directory in directories)
            directory.Extent = next++;
        var fileNodes = directories.SelectMany(d => d.Children.Values.Where(c => !c.IsDirectory)).ToList();
        foreach (var file in fileNodes)
        {
            file.Extent = next;
            next += Math.Max(1, (file.Data.Length + Sector - 1) / Sector);
        }

        var image = new byte[next * Sector];
        var pathTableL = PathTable(directories, bigEndian: false);
        var pathTableM = PathTable(directories, bigEndian: true);
        if (pathTableL.Length > Sector)
            throw new InvalidOperationException("Too many directories for a config drive.");
        pathTableL.CopyTo(image, 18 * Sector);
        pathTableM.CopyTo(image, 19 * Sector);

        foreach (var directory in directories)
        {
            var span = image.AsSpan(directory.Extent * Sector, Sector);
            var offset = Record(span, directory, [0]);
            offset += Record(span[offset..], directory.Parent!, [1]);
            foreach (var child in directory.Children.Values)
            {
                var name = Encoding.ASCII.GetBytes(child.IsDirectory ? child.Name : child.Name + ";1");
                if (offset + 33 + name.Length + 1 > Sector)
                    throw new InvalidOperationException("A config drive directory does not fit one sector.");
                offset += Record(span[offset..], child, name);
            }
        }
        foreach (var file in fileNodes)
            file.Data.CopyTo(image, file.Extent * Sector);

        WritePrimaryDescriptor(image.AsSpan(16 * Sector, Sector), label, next, pathTableL.Length, root);
        var terminator = image.AsSpan(17 * Sector, Sector);
        terminator[0] = 255;
        Encoding.ASCII.GetBytes("CD001").CopyTo(terminator[1..]);
        terminator[6] = 1;
        return image;
    }

    private static byte[] PathTable(List<Node> directories, bool bigEndian)
    {
        var table = new MemoryStream();
        foreach (var directory in directories)
        {
            var name = directory.Number == 1 ? new byte[] { 0 } : Encoding.ASCII.GetBytes(directory.Name);
            var entry = new byte[8 + name.Length + (name.Length % 2)];
            entry[0] = (byte)name.Length;
            if (bigEndian)
            {
                BinaryPrimitives.WriteInt32BigEndian(entry.AsSpan(2), directory.Extent);
                BinaryPrimitives.WriteInt16BigEndian(entry.AsSpan(6), (short)directory.Parent!.Number);
            }
            else
            {
                BinaryPrimitives.WriteInt32LittleEndian(entry.AsSpan(2), directory.Extent);
                BinaryPrimitives.WriteInt16LittleEndian(entry.AsSpan(6), (short)directory.Parent!.Number);
            }
            name.CopyTo(entry, 8);
            table.Write(entry);
        }
        return table.ToArray();
    }

    private static int Record(Span<byte> span, Node node, byte[] name)
    {
        var length = 33 + name.Length + (name.Length % 2 == 0 ? 1 : 0);
        span[0] = (byte)length;
        BothEndian32(span[2..], node.Extent);
        BothEndian32(span[10..], node.Length);
        RecordingDate(span[18..]);
        span[25] = (byte)(node.IsDirectory ? 2 : 0);
        BothEndian16(span[28..], 1);
        span[32] = (byte)name.Length;
        name.CopyTo(span[33..]);
        return length;
    }

    private static void WritePrimaryDescriptor(Span<byte> pvd, string label, int sectors, int pathTableSize, Node root)
    {
        pvd[0] = 1;
        Encoding.ASCII.GetBytes("CD001").CopyTo(pvd[1..]);
        pvd[6] = 1;
        Padded(pvd.Slice(8, 32), "LINUX");
        Padded(pvd.Slice(40, 32), label);
        BothEndian32(pvd[80..], sectors);
        BothEndian16(pvd[120..], 1);
        BothEndian16(pvd[124..], 1);
        BothEndian16(pvd[128..], Sector);
        BothEndian32(pvd[132..], pathTableSize);
        BinaryPrimitives.WriteInt32LittleEndian(pvd[140..], 18);
        BinaryPrimitives.WriteInt32BigEndian(pvd[148..], 19);
        Record(pvd[156..], root, [0]);
        Padded(pvd.Slice(190, 128), "");
        Padded(pvd.Slice(318, 128), "");
        Padded(pvd.Slice(446, 128), "CLOUDBOX");
        Padded(pvd.Slice(574, 128), "CLOUDBOX CONFIG DRIVE");
        Padded(pvd.Slice(702, 37 * 3), "");
        var now = DateTime.UtcNow.ToString("yyyyMMddHHmmss00", System.Globalization.CultureInfo.InvariantCulture);
        Encoding.ASCII.GetBytes(now).CopyTo(pvd[813..]);
        Encoding.ASCII.GetBytes(now).CopyTo(pvd[830..]);
        Encoding.ASCII.GetBytes(new string('0', 16)).CopyTo(pvd[847..]);
        Encoding.ASCII.GetBytes(now).CopyTo(pvd[864..]);
        pvd[881] = 1;
    }

    private static void RecordingDate(Span<byte> span)
    {
        var now = DateTime.UtcNow;
        span[0] = (byte)(now.Year - 1900);
        span[1] = (byte)now.Month;
        span[2] = (byte)now.Day;
        span[3] = (byte)now.Hour;
        span[4] = (byte)now.Minute;
        span[5] = (byte)now.Second;
        span[6] = 0;
    }

    private static void Padded(Span<byte> span, string text)
    {
        span.Fill((byte)' ');
        Encoding.ASCII.GetBytes(text[..Math.Min(text.Length, span.Length)]).CopyTo(span);
    }

    private static void BothEndian32(Span<byte> span, int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(span, value);
        BinaryPrimitives.WriteInt32BigEndian(span[4..], value);
    }

    private static void BothEndian16(Span<byte> span, int value)
    {
        BinaryPrimitives.WriteInt16LittleEndian(span, (short)value);
        BinaryPrimitives.WriteInt16BigEndian(span[2..], (short)value);
    }
}
