using CloudBox.Hypervisor.Boot;
using CloudBox.Hypervisor.Configuration;
using CloudBox.Hypervisor.Confinement;
using CloudBox.Hypervisor.Devices.Legacy;
using CloudBox.Linux;
using CloudBox.Linux.Kvm;

namespace CloudBox.Hypervisor;

/// <summary><c>cloudbox vmm</c>: one VM in this process, until the guest powers off or the control API ends it.</summary>
public static class VmmCommand
{
    /// <summary>The <c>cloudbox vmm</c> process: confined (see <see cref="VmmJail"/>) unless --no-jail.</summary>
    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.Error, CancellationToken.None, null, confine: true);

    /// <summary>A VMM inside the calling process (tests): never confined, whatever the arguments say.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter errors, CancellationToken cancellation, Action<VmmHost>? onHostReady = null) =>
        RunAsync(args, errors, cancellation, onHostReady, confine: false);

    private static async Task<int> RunAsync(string[] args, TextWriter errors, CancellationToken cancellation, Action<VmmHost>? onHostReady, bool confine)
    {
        if (args is ["--help"] or ["-h"])
        {
            await Console.Out.WriteLineAsync(VmConfigParser.Usage);
            return 0;
        }
        if (confine && args is ["--seccomp-probe", var kind]) return SeccompProbe.Run(kind);
        VmConfig config;
        try
        {
            config = VmConfigParser.Parse(args);
        }
        catch (VmmArgumentException error)
        {
            await errors.WriteLineAsync($"cloudbox vmm: {error.Message}");
            return (int)VmmExitCode.BadArguments;
        }

        var jail = confine && config.Jail;
        try
        {
            // Before anything is opened: the namespaces (a re-execution, same pid) and the cgroup.
            if (jail) VmmJail.Enter(config);
        }
        catch (Exception error) when (error is VmmSetupException or LinuxException or IOException or UnauthorizedAccessException)
        {
            await errors.WriteLineAsync($"cloudbox vmm: cannot confine the VMM: {error.Message}");
            return (int)VmmExitCode.SetupFailed;
        }

        IBootImage image;
        ConsoleSink console;
        VmmHost host;
        VirtualMachine first;
        ControlApi.ControlServer? api = null;
        try
        {
            CheckKvmDevice();
            image = OpenKernel(config.KernelPath, config.LinuxBootProtocol);
            if (config.InitrdPath != null) CheckReadable(config.InitrdPath, "initrd");
            if (config.NetworkNamespace != null) CheckReadable(config.NetworkNamespace, "network namespace");
            console = OpenConsole(config.Console);
            host = new VmmHost(config, image, console, errors);
            first = host.Prepare();
            if (config.ApiSocket != null)
            {
                api = await ControlApi.ControlServer.StartAsync(config.ApiSocket, host, open: !jail);
                if (jail) await api.WarmUpAsync();
            }
            if (jail) await errors.WriteLineAsync($"cloudbox vmm info: confined: {VmmJail.Confine(config)}");
            api?.Open();
        }
        catch (Exception error) when (error is VmmSetupException or LinuxException or NotSupportedException or InvalidDataException or ArgumentException
            or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            await errors.WriteLineAsync($"cloudbox vmm: {error.Message}");
            return (int)VmmExitCode.SetupFailed;
        }

        using var input = config.Console == "stdio" ? ConsoleInput.Start(host) : null;
        using var registration = cancellation.Register(() => host.Kill());
        onHostReady?.Invoke(host);
        // The guest runs on this thread: no extra thread to start, and no hop back to it when the guest powers off.
        var code = host.Run(first);
        if (api != null) await api.DisposeAsync();
        host.Dispose();
        console.Dispose();
        return (int)code;
    }

    private static void CheckKvmDevice()
    {
        try
        {
            using var kvm = KvmSystem.Open();
        }
        catch (LinuxException error)
        {
            throw new VmmSetupException(error.Errno == Errno.ENOENT
                ? $"{KvmSystem.DevicePath} does not exist: this host has no KVM (load kvm_intel or kvm_amd, or enable nested virtualization)"
                : $"cannot open {KvmSystem.DevicePath}: {error.Message}", error);
        }
        catch (InvalidOperationException error)
        {
            throw new VmmSetupException(error.Message, error);
        }
    }

    private static IBootImage OpenKernel(string path, bool linuxBootProtocol)
    {
        try
        {
            return BootImage.Open(path, linuxBootProtocol);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new VmmSetupException($"cannot use kernel {path}: {error.Message}", error);
        }
    }

    private static void CheckReadable(string path, string what)
    {
        try
        {
            using var stream = File.OpenRead(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new VmmSetupException($"cannot read {what} {path}: {error.Message}", error);
        }
    }

    private static ConsoleSink OpenConsole(string target)
    {
        try
        {
            return ConsoleSink.Open(target);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new VmmSetupException($"cannot open console {target}: {error.Message}", error);
        }
    }
}
