using CloudBox.Hypervisor.Boot;
using CloudBox.Hypervisor.Configuration;
using CloudBox.Hypervisor.Devices.Legacy;

namespace CloudBox.Hypervisor.Tests;

/// <summary>
/// Runs a few bytes of 64-bit machine code as a whole guest (every vCPU starts at 1 MiB in long mode, rdi = vCPU id):
/// exact, fast tests of the VMM without a kernel.
/// </summary>
public sealed class TinyGuest : IDisposable
{
    public const ulong CodeAddress = 0x100000;

    // Building blocks (x86-64 encodings), named for what they do.
    public static byte[] PrintString(string text)
    {
        var code = new List<byte> { 0x66, 0xBA, 0xF8, 0x03 }; // mov dx, 0x3f8
        foreach (var c in text) code.AddRange([0xB0, (byte)c, 0xEE]); // mov al, c; out dx, al
        return [.. code];
    }

    /// <summary>SLP_TYP=5 | SLP_EN written to the ACPI sleep control register.</summary>
    public static readonly byte[] PowerOff = [0x66, 0xBA, 0x00, 0x06, 0xB0, 0x34, 0xEE];

    /// <summary>The i8042 CPU reset command.</summary>
    public static readonly byte[] ResetViaI8042 = [0xB0, 0xFE, 0xE6, 0x64];

    /// <summary>An undefined instruction with no IDT: #UD, #DF, triple fault.</summary>
    public static readonly byte[] TripleFault = [0x0F, 0x0B];

    public static readonly byte[] HaltForever = [0xF4, 0xEB, 0xFD];

    public static readonly byte[] SpinForever = [0xEB, 0xFE];

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cloudbox-tiny-" + Guid.NewGuid().ToString("N")[..8]);

    public TinyGuest(byte[] code, int vcpus = 1, bool noReboot = true, Action<VmConfig>? configure = null)
    {
        Directory.CreateDirectory(_directory);
        ConsolePath = Path.Combine(_directory, "console.log");
        Config = new VmConfig { KernelPath = "(tiny)", MemoryMiB = 64, Vcpus = vcpus, NoReboot = noReboot, Rng = false, Console = ConsolePath };
        configure?.Invoke(Config);
        Console = ConsoleSink.Open(ConsolePath);
        Host = new VmmHost(Config, new FlatBinaryImage(code, CodeAddress), Console, Errors);
    }

    public VmConfig Config { get; }
    public string ConsolePath { get; }
    public ConsoleSink Console { get; }
    public StringWriter Errors { get; } = new();
    public VmmHost Host { get; }

    /// <summary>Runs the guest to its end (or kills it after <paramref name="timeout"/>); returns the exit code.</summary>
    public VmmExitCode Run(TimeSpan? timeout = null)
    {
        var first = Host.Prepare();
        var run = Task.Factory.StartNew(() => Host.Run(first), TaskCreationOptions.LongRunning);
        if (!run.Wait(timeout ?? TimeSpan.FromSeconds(30)))
        {
            Host.Kill();
            run.Wait();
            Assert.Fail($"tiny guest did not finish in time; console: {ConsoleText}");
        }
        Console.Flush();
        return run.Result;
    }

    public string ConsoleText
    {
        get
        {
            Console.Flush();
            using var stream = new FileStream(ConsolePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return new StreamReader(stream).ReadToEnd();
        }
    }

    public void Dispose()
    {
        Host.Dispose();
        Console.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
