using CloudBox.Core.Data;
using CloudBox.Core.Modules;
using CloudBox.Hosting;

namespace CloudBox.Commands;

/// <summary>
/// <c>cloudbox admin VERB …</c>: operator verbs contributed by the modules, run against the
/// configured database. They need an existing cloud: an admin verb never creates one.
/// </summary>
public static class AdminCommand
{
    public static async Task<int> RunAsync(string[] arguments, IReadOnlyList<ICloudModule> modules)
    {
        var options = OptionsLoader.Load(arguments, out var rest);
        options.PublishesEndpoints = false;
        var help = rest.Count == 0 || rest[0] is "help" or "--help" or "-h" || rest.Contains("--help") || rest.Contains("-h");

        string? scratch = null;
        // backup and restore work on files, without a host: restore's target holds no cloud yet.
        if (!help && rest[0] == "backup")
            return await BackupCommand.BackupAsync(options, rest[1..]);
        if (!help && rest[0] == "restore")
            return await BackupCommand.RestoreAsync(options, rest[1..]);
        // guest-image works through the running cloud's public APIs, as its administrator.
        if (!help && rest[0] == "guest-image")
            return await GuestImageCommand.RunAsync(options, rest[1..], CancellationToken.None);

        var present = Directory.Exists(options.DataDirectory) && (options.Database.Length > 0 || File.Exists(Path.Combine(options.DataDirectory, "cloudbox.db")));
        if (help && !present)
        {
            // Help lists the verbs the modules contribute without a cloud: on a scratch database, removed after.
            scratch = Directory.CreateTempSubdirectory("cloudbox-help-").FullName;
            options.DataDirectory = scratch;
            options.Database = "";
        }
        else
        {
            StartupChecks.CloudExists(options);
            await DatabaseProbe.WaitForPostgresAsync(options, Console.Error, CancellationToken.None);
        }
        try
        {
            await using var app = CloudBoxHost.Build(options, modules);
            var commands = app.Services.GetServices<IAdminCommand>().ToList();

            if (help)
            {
                var chosen = rest.Count > 0 ? commands.Find(c => c.Name == rest[0]) : null;
                var output = rest.Count == 0 ? Console.Error : Console.Out;
                var own = rest.Count > 0 ? rest[0] switch { "backup" => BackupCommand.BackupUsage, "restore" => BackupCommand.RestoreUsage, "guest-image" => GuestImageCommand.Usage, _ => null } : null;
                if (own is not null)
                {
                    await output.WriteLineAsync($"usage: cloudbox admin {own}");
                    return 0;
                }
                if (chosen is not null)
                {
                    await output.WriteLineAsync($"usage: cloudbox admin {chosen.Usage}");
                    await output.WriteLineAsync("Settings as for serve ('cloudbox help serve'); --data-dir and --database name the cloud.");
                    return 0;
                }
                await output.WriteLineAsync("usage: cloudbox admin VERB [verb options] [settings]  (settings as for serve: 'cloudbox help serve')");
                await output.WriteLineAsync("Verbs run against the cloud of --data-dir (and --database); they never create one.");
                foreach (var command in commands)
                    await output.WriteLineAsync($"  {command.Usage}");
                await output.WriteLineAsync($"  {BackupCommand.BackupUsage}");
                await output.WriteLineAsync($"  {BackupCommand.RestoreUsage}");
                await output.WriteLineAsync($"  {GuestImageCommand.Usage}");
                return rest.Count == 0 ? 2 : 0;
            }

            var verb = commands.Find(c => c.Name == rest[0]);
            if (verb is null)
            {
                await Console.Error.WriteLineAsync($"cloudbox admin: unknown verb '{rest[0]}' (known: {string.Join(", ", commands.Select(c => c.Name))}, backup, restore, guest-image)");
                return 2;
            }

            var database = app.Services.GetRequiredService<Database>();
            if (!await SchemaGuard.HasCloudAsync(database, CancellationToken.None))
                throw new StartupException($"no cloud in {(options.Database.Length > 0 ? "the PostgreSQL database of --database" : options.DataDirectory)} (no CloudBox tables), point --data-dir / --database (CLOUDBOX_DATA_DIR, CLOUDBOX_DATABASE) at the cloud of 'cloudbox serve'");
            await CloudBoxHost.PrepareAsync(app.Services, CancellationToken.None);
            return await verb.RunAsync(rest[1..], Console.Out, CancellationToken.None);
        }
        finally
        {
            if (scratch is not null)
                Directory.Delete(scratch, recursive: true);
        }
    }
}
