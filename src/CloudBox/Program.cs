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
        var verb = args.Length > 0 ? args[0] : "help";
        var rest = args.Length > 0 ? args[1..] : [];
        try
        {
            return verb switch
            {
                "serve" => await ServeCommand.RunAsync(rest, CreateModules()),
                "admin" => await AdminCommand.RunAsync(rest, CreateModules()),
                "vmm" => await CloudBox.Hypervisor.VmmCommand.RunAsync(rest),
                "guest-agent" => await RunUntilSignalledAsync(token => DatabasesModule.RunGuestAgentAsync(rest, token)),
                "version" or "--version" => VersionCommand.Run(),
                "help" or "--help" or "-h" => HelpCommand.Run(Console.Out),
                _ => HelpCommand.Unknown(verb),
            };
        }
        catch (OptionsException error)
        {
            await Console.Error.WriteLineAsync($"cloudbox: {error.Message}");
            return 2;
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
