using CloudBox.Core.Modules;
using CloudBox.Hosting;

namespace CloudBox.Commands;

/// <summary><c>cloudbox admin VERB …</c>: operator verbs contributed by the modules, run against the configured database.</summary>
public static class AdminCommand
{
    public static async Task<int> RunAsync(string[] arguments, IReadOnlyList<ICloudModule> modules)
    {
        var options = OptionsLoader.Load(arguments, out var rest);
        options.PublishesEndpoints = false;
        await using var app = CloudBoxHost.Build(options, modules);
        var commands = app.Services.GetServices<IAdminCommand>().ToList();

        if (rest.Count == 0 || rest[0] is "help" or "--help" or "-h")
        {
            Console.WriteLine($"usage: cloudbox admin VERB [options] {OptionsLoader.FlagUsage}");
            foreach (var command in commands)
                Console.WriteLine($"  {command.Usage}");
            return rest.Count == 0 ? 2 : 0;
        }

        var chosen = commands.Find(c => c.Name == rest[0]);
        if (chosen is null)
        {
            await Console.Error.WriteLineAsync($"cloudbox admin: unknown verb '{rest[0]}' (known: {string.Join(", ", commands.Select(c => c.Name))})");
            return 2;
        }

        await CloudBoxHost.PrepareAsync(app.Services, CancellationToken.None);
        return await chosen.RunAsync(rest[1..], Console.Out, CancellationToken.None);
    }
}
