using System.Diagnostics;
using CloudBox.Testing;

namespace CloudBox.Objects.Tests.Durability;

/// <summary>A real <c>cloudbox serve</c> child process (the binary built beside the tests) that a test can kill -9 and start again.</summary>
internal sealed class ServeProcess : IDisposable
{
    private readonly Process _process;

    private ServeProcess(Process process, string url)
    {
        _process = process;
        Url = url;
    }

    public string Url { get; }

    private System.Text.StringBuilder _log = new();

    public bool IsRunning => !_process.HasExited;

    /// <summary>What the server printed, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    public static async Task<ServeProcess> StartAsync(string dataDirectory, string database, string adminPassword)
    {
        var url = $"http://127.0.0.1:{TestPorts.Next()}";
        var binary = PublishedBinary();
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "serve", "--data-dir", dataDirectory, "--listen", url, "--s3-listen", $"http://127.0.0.1:{TestPorts.Next()}", "--ec2-listen", $"http://127.0.0.1:{TestPorts.Next()}", "--admin-password", adminPassword })
            start.ArgumentList.Add(argument);
        if (database.Length > 0)
        {
            start.ArgumentList.Add("--database");
            start.ArgumentList.Add(database);
        }
        var process = Process.Start(start)!;
        var errors = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, line) => { lock (errors) errors.AppendLine(line.Data); };
        process.ErrorDataReceived += (_, line) => { lock (errors) errors.AppendLine(line.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var serve = new ServeProcess(process, url) { _log = errors };
        using var client = new HttpClient();
        for (var i = 0; i < 600; i++)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"cloudbox serve exited with {process.ExitCode}: {errors}");
            try
            {
                if ((await client.GetAsync(url + "/healthz")).IsSuccessStatusCode)
                    return serve;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        serve.Dispose();
        throw new TimeoutException("cloudbox serve did not become ready");
    }

    /// <summary>SIGKILL: no shutdown code runs, exactly like a crash or power cut of the process.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            KillHard();
        _process.Dispose();
    }

    /// <summary>
    /// The published single binary (tests/run publishes it to .build/cloudbox before running tests),
    /// so the crash test kills exactly what operators run.
    /// </summary>
    private static string PublishedBinary()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "CloudBox.sln")))
            {
                var binary = Path.Combine(directory.FullName, ".build", "cloudbox", "cloudbox");
                if (File.Exists(binary))
                    return binary;
                Assert.Fail($"{binary} is missing: run `dotnet publish src/CloudBox -c Release -o .build/cloudbox` (tests/run does) before this test.");
            }
        }
        Assert.Fail("repository root (CloudBox.sln) not found above the test binaries");
        return "";
    }

}
