using System.Diagnostics;
using CloudBox.Linux.Netlink;

namespace CloudBox.Networking.Tests.DataPlane;

/// <summary>
/// A network namespace made for one test and removed after it, so kernel objects never touch
/// the host. Tests that need root and netlink are skipped loudly when those are missing.
/// </summary>
public sealed class ThrowawayNamespace : IDisposable
{
    private ThrowawayNamespace(string name) => Name = name;

    public string Name { get; }

    public string Path => NetworkNamespace.PathOf(Name);

    public static ThrowawayNamespace Create(string prefix = "cbtest")
    {
        if (Environment.UserName != "root" && !File.Exists("/proc/self/ns/net"))
            Assert.Ignore("data-plane tests need root and network namespaces");
        var name = $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
        try
        {
            NetworkNamespace.Create(name);
        }
        catch (CloudBox.Linux.LinuxException error)
        {
            Assert.Ignore($"cannot create a network namespace here: {error.Message}");
        }
        return new ThrowawayNamespace(name);
    }

    /// <summary>Runs a command inside the namespace (test scaffolding only: checking what the product built); returns stdout.</summary>
    public string Exec(string command, params string[] arguments) => Run("ip", ["netns", "exec", Name, command, .. arguments]);

    public static string Run(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{command} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error}{output}");
        return output;
    }

    /// <summary>Like <see cref="Run"/> but returns the exit code instead of throwing.</summary>
    public static int Try(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode;
    }

    public void Dispose() => NetworkNamespace.Delete(Name);
}
