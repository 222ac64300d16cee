using System.Globalization;

namespace CloudBox.Telemetry.Collection;

/// <summary>What the kernel says of this host: CPU time from /proc/stat, memory from /proc/meminfo, load from /proc/loadavg.</summary>
internal static class HostCounters
{
    /// <summary>Nanoseconds per clock tick of /proc/stat (USER_HZ, 100 on Linux).</summary>
    private const long NanosPerTick = 10_000_000;

    /// <summary>All CPUs' time since boot in nanoseconds, by Ceilometer's split (user with nice; kernel with irq and softirq).</summary>
    public readonly record struct CpuTimes(long User, long Kernel, long Idle, long IoWait, long Other)
    {
        public long Total => User + Kernel + Idle + IoWait + Other;
    }

    /// <summary>Memory in KiB (Ceilometer's hardware.memory.* unit): used is total less available.</summary>
    public readonly record struct Memory(long Total, long Available, long Buffers, long Cached, long SwapTotal, long SwapFree)
    {
        public long Used => Total - Available;
    }

    /// <summary>Parses the aggregate <c>cpu</c> line of /proc/stat's text; null when it has none.</summary>
    public static CpuTimes? ParseCpu(string stat)
    {
        foreach (var line in stat.AsSpan().EnumerateLines())
        {
            if (!line.StartsWith("cpu "))
                continue;
            var fields = line[4..].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 4)
                return null;
            long Field(int i) => i < fields.Length && long.TryParse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v * NanosPerTick : 0;
            // user nice system idle iowait irq softirq steal (guest and guest_nice are already in user and nice).
            return new CpuTimes(Field(0) + Field(1), Field(2) + Field(5) + Field(6), Field(3), Field(4), Field(7));
        }
        return null;
    }

    /// <summary>Parses /proc/meminfo's text; null when MemTotal is missing.</summary>
    public static Memory? ParseMemory(string meminfo)
    {
        long total = -1, available = -1, free = 0, buffers = 0, cached = 0, swapTotal = 0, swapFree = 0;
        foreach (var line in meminfo.AsSpan().EnumerateLines())
        {
            var colon = line.IndexOf(':');
            if (colon <= 0)
                continue;
            var value = line[(colon + 1)..].Trim();
            if (value.EndsWith(" kB"))
                value = value[..^3].TrimEnd();
            if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var kib))
                continue;
            switch (line[..colon])
            {
                case "MemTotal": total = kib; break;
                case "MemAvailable": available = kib; break;
                case "MemFree": free = kib; break;
                case "Buffers": buffers = kib; break;
                case "Cached": cached = kib; break;
                case "SwapTotal": swapTotal = kib; break;
                case "SwapFree": swapFree = kib; break;
            }
        }
        if (total < 0)
            return null;
        // Kernels before 3.14 have no MemAvailable: free plus the page cache is its old estimate.
        return new Memory(total, available >= 0 ? available : free + buffers + cached, buffers, cached, swapTotal, swapFree);
    }

    /// <summary>Parses /proc/loadavg's first three fields; null when malformed.</summary>
    public static (double One, double Five, double Fifteen)? ParseLoad(string loadavg)
    {
        var fields = loadavg.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length >= 3
            && double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var one)
            && double.TryParse(fields[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var five)
            && double.TryParse(fields[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var fifteen)
            ? (one, five, fifteen)
            : null;
    }

    /// <summary>Reads a /proc file, or null when it cannot be read (not Linux, a restricted container).</summary>
    public static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
