using System.Buffers.Text;

namespace CloudBox.Telemetry.Collection;

/// <summary>
/// What the kernel counts for one VMM process and one tap, read from /proc and /sys (no per-VM
/// thread). Each file is read whole into a stack buffer and parsed as bytes: a poll reads several
/// files per VM, so no stream, reader or string is made for them.
/// </summary>
internal static class ProcessCounters
{
    /// <summary>Nanoseconds per clock tick of /proc/&lt;pid&gt;/stat's times (USER_HZ, 100 on Linux).</summary>
    private const long NanosPerTick = 10_000_000;

    /// <summary>User + system CPU time of the process in nanoseconds, or null when it is gone.</summary>
    public static long? CpuNanoseconds(int pid)
    {
        Span<byte> buffer = stackalloc byte[1024];
        var length = Read($"/proc/{pid}/stat", buffer);
        if (length <= 0)
            return null;
        // Fields after the command name (which may hold spaces and parentheses) start after the last ')'.
        var text = buffer[..length];
        var close = text.LastIndexOf((byte)')');
        if (close < 0 || close + 2 > text.Length)
            return null;
        var rest = text[(close + 2)..];
        // rest: state(0) ppid … utime(11) stime(12) …
        long user = 0, system = 0;
        for (var field = 0; field <= 12; field++)
        {
            var space = rest.IndexOf((byte)' ');
            var value = space < 0 ? rest : rest[..space];
            if (field >= 11)
            {
                if (!Utf8Parser.TryParse(value, out long ticks, out _))
                    return null;
                if (field == 11)
                    user = ticks;
                else
                    system = ticks;
            }
            if (space < 0)
                return field == 12 ? (user + system) * NanosPerTick : null;
            rest = rest[(space + 1)..];
        }
        return (user + system) * NanosPerTick;
    }

    /// <summary>Resident set size of the process in MiB (/proc/&lt;pid&gt;/statm's second field, in pages), or null when it is gone.</summary>
    public static double? ResidentMegabytes(int pid)
    {
        Span<byte> buffer = stackalloc byte[256];
        var length = Read($"/proc/{pid}/statm", buffer);
        if (length <= 0)
            return null;
        var text = buffer[..length];
        var space = text.IndexOf((byte)' ');
        if (space < 0 || !Utf8Parser.TryParse(text[(space + 1)..], out long pages, out _))
            return null;
        return pages * (double)Environment.SystemPageSize / (1024 * 1024);
    }

    /// <summary>A tap's counter (rx_bytes, tx_packets…) from sysfs, or null when the tap is not in this namespace.</summary>
    public static long? Tap(string tap, string counter)
    {
        Span<byte> buffer = stackalloc byte[32];
        var length = Read($"/sys/class/net/{tap}/statistics/{counter}", buffer);
        return length > 0 && Utf8Parser.TryParse(buffer[..length], out long value, out _) ? value : null;
    }

    /// <summary>Reads the file into <paramref name="buffer"/>; its length, or -1 when it cannot be read (gone, not allowed, or larger than the buffer).</summary>
    private static int Read(string path, Span<byte> buffer)
    {
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
            var total = 0;
            while (total < buffer.Length)
            {
                var read = RandomAccess.Read(handle, buffer[total..], total);
                if (read == 0)
                    return total;
                total += read;
            }
            return -1;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return -1;
        }
    }
}
