namespace CloudBox.Compute.Drivers;

/// <summary>
/// The guest's console output across VMM restarts: a VMM writes <c>console.log</c> afresh, so before
/// a new one starts, what the previous run printed moves to <c>console.previous.log</c>, which is
/// kept to its last <see cref="MaxBytes"/> bytes. <c>console log show</c> reads both, oldest first.
/// </summary>
public static class ConsoleHistory
{
    public const long MaxBytes = 1024 * 1024;

    public static string PreviousPath(string consoleLog) => Path.Combine(Path.GetDirectoryName(consoleLog)!, "console.previous.log");

    /// <summary>Appends <paramref name="consoleLog"/> to the history (bounded) and removes it.</summary>
    public static void Keep(string consoleLog)
    {
        if (!File.Exists(consoleLog) || new FileInfo(consoleLog).Length == 0)
            return;
        var previous = PreviousPath(consoleLog);
        using (var history = new FileStream(previous, FileMode.Append, FileAccess.Write))
        using (var current = new FileStream(consoleLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            current.Seek(Math.Max(0, current.Length - MaxBytes), SeekOrigin.Begin);
            current.CopyTo(history);
        }
        File.Delete(consoleLog);
        var length = new FileInfo(previous).Length;
        if (length > MaxBytes)
        {
            // Keep the tail, from a line start.
            var tail = new byte[MaxBytes];
            using (var history = new FileStream(previous, FileMode.Open, FileAccess.Read))
            {
                history.Seek(length - MaxBytes, SeekOrigin.Begin);
                history.ReadExactly(tail);
            }
            var newline = Array.IndexOf(tail, (byte)'\n');
            var kept = newline >= 0 ? tail.AsSpan(newline + 1) : tail;
            var temporary = previous + ".new";
            File.WriteAllBytes(temporary, kept.ToArray());
            File.Move(temporary, previous, overwrite: true);
        }
    }

    /// <summary>Everything kept, oldest first: the history, then the running VMM's console.</summary>
    public static string ReadAll(string consoleLog)
    {
        var text = new System.Text.StringBuilder();
        foreach (var path in new[] { PreviousPath(consoleLog), consoleLog })
        {
            if (!File.Exists(path))
                continue;
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            var part = reader.ReadToEnd();
            text.Append(part);
            if (part.Length > 0 && part[^1] != '\n')
                text.Append('\n');
        }
        return text.ToString();
    }
}
