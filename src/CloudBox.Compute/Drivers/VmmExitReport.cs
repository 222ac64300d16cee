namespace CloudBox.Compute.Drivers;

/// <summary>
/// Why a VMM stopped on its own, from what it wrote to <c>vmm.log</c> since it was started: its
/// <c>cloudbox vmm: WHAT: DETAIL</c> line (a KVM internal error, a triple fault, a guest crash, a
/// failure of the VMM itself) and the last console lines it printed with it. A guest that powered
/// off cleanly writes nothing there, and is no fault.
/// </summary>
internal static class VmmExitReport
{
    private const string StartMark = "vmm.log.start";
    private const int MaxReadBytes = 64 * 1024;

    /// <summary>Remembers where vmm.log ends now, so a later report reads only what this run writes.</summary>
    public static void MarkStart(string instanceDirectory)
    {
        var log = Path.Combine(instanceDirectory, "vmm.log");
        var length = File.Exists(log) ? new FileInfo(log).Length : 0;
        File.WriteAllText(Path.Combine(instanceDirectory, StartMark), length.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The reason (first line) and details (the report with the last console lines), or null when the VMM reported nothing.</summary>
    public static (string Reason, string Details)? Read(string instanceDirectory)
    {
        var log = Path.Combine(instanceDirectory, "vmm.log");
        if (!File.Exists(log))
            return null;
        var markFile = Path.Combine(instanceDirectory, StartMark);
        long start = 0;
        if (File.Exists(markFile))
            long.TryParse(File.ReadAllText(markFile).Trim(), System.Globalization.CultureInfo.InvariantCulture, out start);
        using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (start > stream.Length)
            start = 0; // the log was replaced
        start = Math.Max(start, stream.Length - MaxReadBytes);
        stream.Seek(start, SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        var lines = text.Split('\n');
        // Reports are "cloudbox vmm: …"; the VMM's notes ("cloudbox vmm info: …", "cloudbox vmm warning: …") are not.
        var reportAt = Array.FindLastIndex(lines, l => l.StartsWith("cloudbox vmm: ", StringComparison.Ordinal));
        if (reportAt < 0)
            return null;
        var reason = lines[reportAt][(lines[reportAt].IndexOf(": ", StringComparison.Ordinal) + 2)..].Trim();
        var details = string.Join('\n', lines[reportAt..].Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).Take(40));
        return (reason, details);
    }
}
