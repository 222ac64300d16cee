namespace CloudBox.Commands;

public static class HelpCommand
{
    public static int Run(TextWriter output)
    {
        output.WriteLine("""
            usage: cloudbox VERB [options]

              serve     run the cloud: every service on one port (see 'cloudbox serve --help')
              admin     operator verbs: reset-password, openrc, rotate-token-keys (see 'cloudbox admin help')
              version   print the version
              guest-agent  a database instance's agent (runs in the instance; see 'cloudbox guest-agent --help')

            Settings come from /etc/cloudbox/cloudbox.json, then CLOUDBOX_* environment variables, then flags:
              --data-dir DIR      where CloudBox keeps its state (default /var/lib/cloudbox)
              --listen URL        where the API listens (default http://0.0.0.0:8080)
              --public-url URL    the base URL published in the catalog (default: derived from --listen)
              --database CONN     a PostgreSQL connection string (default: embedded SQLite in the data dir)
            """);
        return 0;
    }

    public static int Unknown(string verb)
    {
        Console.Error.WriteLine($"cloudbox: unknown verb '{verb}'; try 'cloudbox help'");
        return 2;
    }
}
