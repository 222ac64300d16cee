using System.Diagnostics;

namespace CloudBox.Databases.Guest;

/// <summary>Runs a datastore tool (initdb, pg_ctl…) to completion with a time limit, optionally as another user through <c>runuser</c>.</summary>
internal static class ProcessRunner
{
    public static async Task<string> RunAsync(string? asUser, string file, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var process = Start(asUser, file, arguments);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{Path.GetFileName(file)} did not finish within {timeout.TotalSeconds:0} s");
        }
        var output = await stdout + await stderr;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(file)} failed (exit {process.ExitCode}): {Tail(output)}");
        return output;
    }

    /// <summary>
    /// Starts a tool with its output and errors read by the caller (and its input written, when
    /// <paramref name="redirectInput"/>), as <paramref name="asUser"/> through <c>runuser</c> when given.
    /// </summary>
    public static Process Start(string? asUser, string file, IReadOnlyList<string> arguments, bool redirectInput = false)
    {
        var start = new ProcessStartInfo
        {
            FileName = asUser is null ? file : "runuser",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        if (asUser is not null)
        {
            foreach (var argument in new[] { "-u", asUser, "--", file })
                start.ArgumentList.Add(argument);
        }
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        return Process.Start(start) ?? throw new InvalidOperationException($"{file} could not be started");
    }

    /// <summary>The last 400 characters of a tool's output, for an error message.</summary>
    public static string Tail(string output)
    {
        var trimmed = output.Trim();
        return trimmed.Length > 400 ? trimmed[^400..] : trimmed;
    }
}
