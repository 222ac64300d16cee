namespace CloudBox.Core.Modules;

/// <summary>What an admin command prints as a table: its rows (the first is the heading) in columns two spaces apart.</summary>
public static class AdminTable
{
    public static async Task WriteAsync(TextWriter output, IReadOnlyList<string[]> rows)
    {
        if (rows.Count == 0)
            return;
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows)
            await output.WriteLineAsync(string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd());
    }
}
