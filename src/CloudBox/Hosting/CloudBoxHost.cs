using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Api.Local;
using CloudBox.Core.Api.Policy;
using CloudBox.Core.Configuration;
using CloudBox.Core.Data;
using CloudBox.Core.Health;
using CloudBox.Core.Modules;
using CloudBox.Commands;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Logging.Console;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace CloudBox.Hosting;

/// <summary>
/// Composes the one process: shared services, every module's services and endpoints, and the
/// middleware every service shares (request ids, fault bodies, token validation, size limits).
/// </summary>
public static class CloudBoxHost
{
    /// <summary>Largest JSON request body by default, as Keystone and Nova accept (114688 bytes); upload endpoints raise it.</summary>
    public const long DefaultMaxRequestBodyBytes = 114_688;

    public static WebApplication Build(CloudBoxOptions options, IReadOnlyList<ICloudModule> modules, string[]? hostArguments = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = hostArguments ?? [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Host.UseSystemd();
        // The log goes to stderr, so that a verb's output on stdout (admin openrc > openrc.sh) is only that.
        builder.Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        if (options.LogFormat == "json")
        {
            builder.Logging.AddJsonConsole(json =>
            {
                json.UseUtcTimestamp = true;
                json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        // Defaults under every other configuration source, so host arguments (tests) can change them.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Microsoft.AspNetCore"] = nameof(LogLevel.Warning),
                ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = nameof(LogLevel.Information),
                [$"Logging:LogLevel:{typeof(AccessLogMiddleware).FullName}"] = nameof(LogLevel.Information),
            },
        });
        string[] listenUrls = [options.ListenUrl, .. modules.SelectMany(m => m.ExtraListenUrls(options))];
        builder.WebHost.UseUrls(listenUrls);
        var https = TlsCertificates.Needed(listenUrls);
        if (https)
        {
            builder.WebHost.UseKestrelHttpsConfiguration(); // the slim builder leaves HTTPS out unless asked
            builder.Services.AddSingleton(services => TlsCertificates.Open(options, services.GetRequiredService<ILogger<TlsCertificates>>()));
        }
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            if (https)
            {
                var certificates = kestrel.ApplicationServices.GetRequiredService<TlsCertificates>();
                kestrel.ConfigureHttpsDefaults(https => https.ServerCertificateSelector = (_, _) => certificates.Current);
            }
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = DefaultMaxRequestBodyBytes;
            // Header values go out as UTF-8, as Swift returns the UTF-8 metadata it stores (Kestrel's default refuses non-ASCII: a 500).
            kestrel.ResponseHeaderEncodingSelector = _ => System.Text.Encoding.UTF8;
        });

        var database = string.IsNullOrEmpty(options.Database)
            ? Database.OpenSqlite(options.DataDirectory)
            : Database.OpenPostgres(options.Database);

        var registry = new ModuleRegistry(modules);
        var services = builder.Services;
        services.AddSingleton<IMemoryPoolFactory<byte>, LargeBlockMemoryPoolFactory>();
        services.AddSingleton(options);
        services.AddSingleton(database);
        services.AddHostedService<SystemdWatchdog>();
        services.AddSingleton(registry);
        services.AddSingleton<ReadinessGate>();
        services.AddSingleton<MigrationRunner>();
        services.AddSingleton<LocalApi>();
        services.AddSingleton(_ => new PolicyEngine(modules.SelectMany(m => m.DefaultPolicies), options.PolicyFile));
        services.AddRouting();
        foreach (var module in modules)
            module.ConfigureServices(services, options);

        var app = builder.Build();
        // The in-process API client runs requests through everything below, as from the network.
        var localApi = app.Services.GetRequiredService<LocalApi>();
        app.Use(next =>
        {
            localApi.Attach(next);
            return next;
        });
        app.UseMiddleware<RequestIdMiddleware>();
        app.UseMiddleware<AccessLogMiddleware>();
        app.UseMiddleware<FaultMiddleware>();
        foreach (var module in modules)
            module.ConfigureMiddleware(app);
        app.UseRouting();
        app.UseMiddleware<TokenAuthenticationMiddleware>();

        app.MapGet("/healthz", Health.Ready);
        app.MapGet("/healthz/ready", Health.Ready);
        app.MapGet("/healthz/live", Health.Live);
        app.MapGet("/version", Health.Version);
        foreach (var module in modules)
        {
            module.MapEndpoints(app.MapGroup(module.Catalog.PathPrefix));
            module.MapRootEndpoints(app);
        }
        return app;
    }

    /// <summary>Applies migrations and runs start-up tasks; after this the process may serve.</summary>
    public static async Task PrepareAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var registry = services.GetRequiredService<ModuleRegistry>();
        var migrations = services.GetRequiredService<MigrationRunner>();
        await SchemaGuard.RefuseNewerSchemaAsync(services.GetRequiredService<Database>(), registry.Modules, VersionCommand.Version, cancellationToken);
        foreach (var module in registry.Modules)
            await migrations.ApplyAsync(module.Name, module.Migrations, cancellationToken);
        foreach (var task in services.GetServices<IStartupTask>())
            await task.RunAsync(cancellationToken);
        services.GetRequiredService<ReadinessGate>().Ready("startup");
    }
}
