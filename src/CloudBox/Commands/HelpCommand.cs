using CloudBox.Hosting;

namespace CloudBox.Commands;

/// <summary><c>cloudbox help [VERB]</c> and <c>VERB --help</c>: every verb and every setting.</summary>
public static class HelpCommand
{
    private const string Usage = """
        usage: cloudbox VERB [options]

          serve     run the cloud: every OpenStack API, S3 and the VM scheduler in one process
          admin     operator verbs against an existing cloud: openrc, reset-password, vms, … ('cloudbox help admin')
          vmm       the virtual machine monitor of one VM (started by serve; 'cloudbox help vmm')
          guest-agent  a database instance's agent (runs in the instance; 'cloudbox guest-agent --help')
          version   print the version
          help      this page, or 'cloudbox help VERB' for one verb

        """;

    private const string ServeUsage = """
        usage: cloudbox serve [settings]

        Runs the cloud in the foreground: migrates the database, creates the admin user, project and
        catalog on first start (credentials in DATA_DIR/admin-openrc.sh), then serves until SIGTERM.
        VMs run in their own processes and survive a restart of serve. Logs go to stderr.
        Health: /healthz/live (the process answers) and /healthz or /healthz/ready (200 when every
        part is ready; 503 with the reason while starting or while a part, e.g. the network data
        plane, is failing). /version answers the version.

        """;

    private const string VersionUsage = "usage: cloudbox version\n\nPrints 'cloudbox VERSION' (VERSION is the release, then +commit of the build).\n";

    public static int Run(TextWriter output)
    {
        output.Write(Usage);
        output.Write(SettingsText());
        return 0;
    }

    /// <summary><c>cloudbox help VERB</c>.</summary>
    public static async Task<int> RunAsync(string[] arguments, Func<string[], Task<int>> admin)
    {
        switch (arguments)
        {
            case []:
                return Run(Console.Out);
            case ["serve", ..]:
                return Serve(Console.Out);
            case ["admin", .. var rest]:
                return await admin([.. rest, "--help"]);
            case ["vmm", ..]:
                return await CloudBox.Hypervisor.VmmCommand.RunAsync(["--help"]);
            case ["version", ..]:
                Console.Out.Write(VersionUsage);
                return 0;
            case ["help", ..]:
                return Run(Console.Out);
            default:
                return Unknown(arguments[0]);
        }
    }

    public static int Serve(TextWriter output)
    {
        output.Write(ServeUsage);
        output.Write(SettingsText());
        return 0;
    }

    public static int Version(TextWriter output)
    {
        output.Write(VersionUsage);
        return 0;
    }

    /// <summary>The settings table: flag, environment variable and JSON key of each.</summary>
    public static string SettingsText()
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine($"Settings (serve and admin) come from {OptionsLoader.DefaultConfigFile} (or --config FILE, CLOUDBOX_CONFIG),");
        text.AppendLine("then CLOUDBOX_* environment variables, then flags (--flag VALUE or --flag=VALUE):");
        foreach (var setting in OptionsLoader.Settings)
        {
            var space = setting.Help.IndexOf(' ', StringComparison.Ordinal);
            var value = setting.Help[..space].TrimEnd(':');
            text.AppendLine($"  {setting.Flag} {value}");
            text.AppendLine($"      {setting.Help[(space + 1)..]}");
            text.AppendLine($"      environment {setting.Env}, JSON \"{setting.Json}\"");
        }
        text.AppendLine("Environment only:");
        text.AppendLine("  CLOUDBOX_NETWORK_DATA_PLANE=off  keep network records only, touch no kernel object (no root needed)");
        text.AppendLine("  CLOUDBOX_VM_SUPERVISION=auto|systemd|detached  how VM processes are supervised (default auto)");
        text.AppendLine("  CLOUDBOX_POWER_SYNC_INTERVAL=SECONDS  how often VM power states are reconciled (default 60)");
        return text.ToString();
    }

    public static int Unknown(string verb)
    {
        Console.Error.WriteLine($"cloudbox: unknown verb '{verb}'; try 'cloudbox help'");
        return 2;
    }

    /// <summary>A bare <c>cloudbox</c>: the usage on stderr, exit 2.</summary>
    public static int Missing()
    {
        Console.Error.Write(Usage);
        Console.Error.WriteLine("cloudbox: no verb given; try 'cloudbox help'");
        return 2;
    }
}
