using System.Globalization;

namespace CloudBox.Telemetry.Collection;

/// <summary>What the kernel counts for one VMM process and one tap, read from /proc and /sys (no per-VM thread).</summary>
internal static class ProcessCounters
{
    /// <summary>Clock ticks per second of /proc/&lt;pid&gt;/stat's times (USER_HZ, 100 on Linux).</summary>
    private const long TicksPerSecond = 100;

    /// <summary>User + system CPU time of the process in nanoseconds, or null when it is gone.</summary>
    public static long? CpuNanoseconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name (which may hold spaces) start after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var user = long.Parse(fields[11], CultureInfo.InvariantCulture);
            var system = long.Parse(fields[12], CultureInfo.InvariantCulture);
            return (user + system) * (1_000_000_000L / TicksPerSecond);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Resident set size of the process in MiB, or null when it is gone.</summary>
    public static double? ResidentMegabytes(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var kilobytes = long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                    return kilobytes / 1024.0;
                }
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException)
        {
        }
        return null;
    }

    /// <summary>A tap's counter (rx_bytes, tx_packets…) from sysfs, or null when the tap is not in this namespace.</summary>
    public static long? Tap(string tap, string counter)
    {
        try
        {
            return long.Parse(File.ReadAllText($"/sys/class/net/{tap}/statistics/{counter}").Trim(), CultureInfo.InvariantCulture);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }
}
