using Microsoft.Extensions.DependencyInjection;
using CloudBox.Core.Modules;
using CloudBox.Hosting;

namespace CloudBox.Commands;

/// <summary><c>cloudbox serve</c>: the control plane, every module on one port.</summary>
public static class ServeCommand
{
    public static async Task<int> RunAsync(string[] arguments, IReadOnlyList<ICloudModule> modules)
    {
        if (arguments.Contains("--help") || arguments.Contains("-h"))
            return HelpCommand.Serve(Console.Out);
        var options = OptionsLoader.Load(arguments, out var rest);
        if (rest.Count > 0)
            throw new OptionsException($"serve: unknown argument '{rest[0]}'; see 'cloudbox help serve'");

        StartupChecks.DataDirectoryIsWritable(options);
        StartupChecks.AddressesAreFree([("--listen", options.ListenUrl), .. modules.SelectMany(m => m.ExtraListenUrls(options)).Select(url => ("--s3-listen", url))]);
        StartupChecks.DataPlaneCanRun();
        StartupChecks.WarnWithoutKvm(Console.Error);
        await DatabaseProbe.WaitForPostgresAsync(options, Console.Error, CancellationToken.None);

        // Before anything is created: umask 077, and the modes of an existing data directory repaired.
        var repaired = DataDirectorySecurity.Apply(options.DataDirectory);
        await using var app = CloudBoxHost.Build(options, modules);
        DataDirectorySecurity.LogApplied(app.Services, options.DataDirectory, repaired);
        _ = app.Services.GetService<TlsCertificates>(); // https://: the certificate loads (or is made) now, or serve stops with one line
        await CloudBoxHost.PrepareAsync(app.Services, app.Lifetime.ApplicationStopping);
        await app.RunAsync();
        return 0;
    }
}
