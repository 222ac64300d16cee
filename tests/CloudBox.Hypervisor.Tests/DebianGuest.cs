namespace CloudBox.Hypervisor.Tests;

/// <summary>
/// The stock Debian cloud kernel (PVH entry of its vmlinux) with the test initramfs, run through <c>cloudbox vmm</c>'s
/// own entry point in this process, console to a file the test watches for marker lines.
/// </summary>
public sealed class DebianGuest : IAsyncDisposable
{
    /// <summary>
    /// Kernel options for the nested, software-assisted KVM (PVM) this runs on, where the guest kernel executes in
    /// KVM's instruction emulator: less work (no console chatter, no mitigations, no KASLR, little RAM), and none of
    /// the instructions the emulator cannot run (XSAVE, CMPXCHG16B, POPCNT, STAC/CLAC, RDFSBASE, INVPCID): CPUID is
    /// not ours to filter there, the guest reads the host's, so the kernel is told to ignore those features), and
    /// no boot-time self-checks that cost minutes of emulated instructions (ftrace record check, crypto self-tests).
    /// Kept in packaging/guest/kernel-cmdline, with why each is there in packaging/guest/README.md.
    /// </summary>
    public static string FastBootOptions =>
        "console=ttyS0 quiet " + File.ReadAllText(Path.Combine(GuestFixtures.RepositoryRoot, "packaging", "guest", "kernel-cmdline")).Trim();

    private readonly CancellationTokenSource _kill = new();

    private DebianGuest(string directory, Task<int> run)
    {
        Directory = directory;
        Run = run;
    }

    public string Directory { get; }
    public string ConsolePath => Path.Combine(Directory, "console.log");
    public StringWriter Errors { get; } = new();
    public Task<int> Run { get; private set; }
    public VmmHost? Host { get; private set; }

    public static DebianGuest Start(string tests, string[] extraArgs, string? extraCmdline = null, int memoryMiB = 96)
    {
        GuestFixtures.RequireKvm();
        var directory = Path.Combine(Path.GetTempPath(), "cloudbox-debian-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(directory);
        var guest = new DebianGuest(directory, Task.FromResult(-1));
        string[] args =
        [
            "--kernel", GuestFixtures.Vmlinux, "--initrd", GuestFixtures.Initramfs,
            "--cmdline", $"{FastBootOptions} cloudbox.test={tests} {extraCmdline}".Trim(),
            "--memory", memoryMiB.ToString(), "--console", Path.Combine(directory, "console.log"), .. extraArgs,
        ];
        guest.Run = Task.Run(() => VmmCommand.RunAsync(args, guest.Errors, guest._kill.Token, host => guest.Host = host));
        return guest;
    }

    public string Console
    {
        get
        {
            if (!File.Exists(ConsolePath)) return "";
            using var stream = new FileStream(ConsolePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return new StreamReader(stream).ReadToEnd();
        }
    }

    /// <summary>Waits for a console line starting with <paramref name="marker"/>; returns the line.</summary>
    public async Task<string> WaitForLineAsync(string marker, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var line = Console.Split('\n').FirstOrDefault(l => l.StartsWith(marker, StringComparison.Ordinal));
            if (line != null) return line.TrimEnd('\r');
            if (Run.IsCompleted) Assert.Fail($"the VMM exited ({Run.Result}) before '{marker}': {Errors}\nconsole:\n{Tail()}");
            await Task.Delay(200);
        }
        Assert.Fail($"no '{marker}' within {timeout.TotalSeconds} s; console:\n{Tail()}");
        return "";
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        if (await Task.WhenAny(Run, Task.Delay(timeout)) != Run) Assert.Fail($"the guest did not power off within {timeout.TotalSeconds} s; console:\n{Tail()}");
        return await Run;
    }

    public string Tail() => string.Join('\n', Console.Split('\n').TakeLast(25));

    public async ValueTask DisposeAsync()
    {
        _kill.Cancel();
        try { await Run.WaitAsync(TimeSpan.FromSeconds(30)); } catch (TimeoutException) { }
        _kill.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
