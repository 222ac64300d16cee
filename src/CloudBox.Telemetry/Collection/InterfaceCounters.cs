using System.Buffers;
using System.Buffers.Text;

namespace CloudBox.Telemetry.Collection;

/// <summary>
/// Every interface's byte and packet counters in this network namespace from one read of
/// <c>/proc/net/dev</c>: a poll reads it once for all taps, not four sysfs files per tap.
/// </summary>
internal sealed class InterfaceCounters
{
    /// <summary>One interface's counters, from the host's side (the tap's receive is the guest's outgoing).</summary>
    public readonly record struct Counters(long RxBytes, long RxPackets, long TxBytes, long TxPackets);

    private readonly Dictionary<string, Counters> _byName;

    private InterfaceCounters(Dictionary<string, Counters> byName) => _byName = byName;

    /// <summary>The counters of <paramref name="name"/>, false when no such interface is in this namespace.</summary>
    public bool TryGet(string name, out Counters counters) => _byName.TryGetValue(name, out counters);

    /// <summary>Reads the counters of the interfaces in <paramref name="wanted"/> (the others are skipped unparsed); empty when the file cannot be read.</summary>
    public static InterfaceCounters Read(IReadOnlySet<string> wanted, string path = "/proc/net/dev")
    {
        var result = new Dictionary<string, Counters>(StringComparer.Ordinal);
        if (wanted.Count == 0)
            return new InterfaceCounters(result);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int length;
            while (true)
            {
                length = ReadAll(path, buffer);
                if (length < 0)
                    return new InterfaceCounters(result);
                if (length < buffer.Length)
                    break;
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
            }
            Span<char> name = stackalloc char[64];
            // rx: bytes packets errs drop fifo frame compressed multicast, then tx: bytes packets …
            Span<long> fields = stackalloc long[10];
            var text = buffer.AsSpan(0, length);
            while (!text.IsEmpty)
            {
                var end = text.IndexOf((byte)'\n');
                var line = end < 0 ? text : text[..end];
                text = end < 0 ? [] : text[(end + 1)..];
                var colon = line.IndexOf((byte)':');
                if (colon < 0)
                    continue;
                var raw = line[..colon].Trim((byte)' ');
                if (raw.Length > name.Length)
                    continue;
                for (var i = 0; i < raw.Length; i++)
                    name[i] = (char)raw[i];
                var key = FindWanted(wanted, name[..raw.Length]);
                if (key is null)
                    continue;
                var rest = line[(colon + 1)..];
                var count = 0;
                while (count < fields.Length)
                {
                    rest = rest.TrimStart((byte)' ');
                    if (rest.IsEmpty || !Utf8Parser.TryParse(rest, out long value, out var used))
                        break;
                    fields[count++] = value;
                    rest = rest[used..];
                }
                if (count == fields.Length)
                    result[key] = new Counters(fields[0], fields[1], fields[8], fields[9]);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return new InterfaceCounters(result);
    }

    private static string? FindWanted(IReadOnlySet<string> wanted, ReadOnlySpan<char> name)
    {
        // Interface names are at most 15 characters: the string is small, and only made for a line that could match.
        var candidate = name.ToString();
        return wanted.Contains(candidate) ? candidate : null;
    }

    private static int ReadAll(string path, byte[] buffer)
    {
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
            var total = 0;
            while (total < buffer.Length)
            {
                var read = RandomAccess.Read(handle, buffer.AsSpan(total), total);
                if (read == 0)
                    return total;
                total += read;
            }
            return total;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return -1;
        }
    }
}
