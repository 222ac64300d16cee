using CloudBox.Commands;
using CloudBox.Compute;
using CloudBox.Core.Modules;
using CloudBox.Databases;
using CloudBox.Ec2;
using CloudBox.Dashboard;
using CloudBox.Hosting;
using CloudBox.Identity;
using CloudBox.Images;
using CloudBox.Networking;
using CloudBox.Objects;
using CloudBox.Orchestration;
using CloudBox.Telemetry;
using CloudBox.Volumes;

namespace CloudBox;

public static class Program
{
    /// <summary>The modules this binary hosts. Nothing else in the code base lists them all.</summary>
    public static IReadOnlyList<ICloudModule> CreateModules() =>
    [
        new IdentityModule(),
        new ImagesModule(),
        new ComputeModule(),
        new ObjectsModule(),
        new VolumesModule(),
        new NetworkingModule(),
        new DatabasesModule(),
        new Ec2Module(),
        new OrchestrationModule(),
        new TelemetryModule(),
        new DashboardModule(),
    ];

    public static async Task<int> Main(string[] args)
    {
        SqliteNativeLibrary.UseSystemLibraryWhenNotBundled();
        if (args.Length == 0)
            return HelpCommand.Missing();
        var verb = args[0];
        var rest = args[1..];
        try
        {
            return verb switch
            {
                "serve" => await ServeCommand.RunAsync(rest, CreateModules()),
                "admin" => await AdminCommand.RunAsync(rest, CreateModules()),
                "vmm" => await CloudBox.Hypervisor.VmmCommand.RunAsync(rest),
                "guest-agent" => await RunUntilSignalledAsync(token => DatabasesModule.RunGuestAgentAsync(rest, token)),
                "version" or "--version" when rest is ["--help"] or ["-h"] => HelpCommand.Version(Console.Out),
                "version" or "--version" => VersionCommand.Run(),
                "help" => await HelpCommand.RunAsync(rest, a => AdminCommand.RunAsync(a, CreateModules())),
                "--help" or "-h" => HelpCommand.Run(Console.Out),
                _ => HelpCommand.Unknown(verb),
            };
        }
        catch (OptionsException error)
        {
            await Console.Error.WriteLineAsync($"cloudbox: {error.Message}");
            return 2;
        }
        catch (Exception error) when (StartupErrors.Describe(error) is { } line)
        {
            // A configuration or host problem: one line naming the setting and the fix, no stack trace.
            await Console.Error.WriteLineAsync($"cloudbox: {line}");
            return 1;
        }
    }

    /// <summary>Runs a long-lived verb until SIGTERM or SIGINT, which cancel it.</summary>
    private static async Task<int> RunUntilSignalledAsync(Func<CancellationToken, Task<int>> run)
    {
        using var stop = new CancellationTokenSource();
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        using var interrupt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        return await run(stop.Token);
    }
}
