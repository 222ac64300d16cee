using CloudBox.Core.Api;
using CloudBox.Core.Api.Auth;
using CloudBox.Core.Configuration;
using CloudBox.Core.Data;
using CloudBox.Core.Modules;
using CloudBox.Identity.Admin;
using CloudBox.Identity.Api;
using CloudBox.Identity.ApplicationCredentials;
using CloudBox.Identity.Assignments;
using CloudBox.Identity.Auth;
using CloudBox.Identity.Passwords;
using CloudBox.Identity.Bootstrap;
using CloudBox.Identity.Catalog;
using CloudBox.Identity.Credentials;
using CloudBox.Identity.Data;
using CloudBox.Identity.Domains;
using CloudBox.Identity.Endpoints;
using CloudBox.Identity.Groups;
using CloudBox.Identity.Projects;
using CloudBox.Identity.Regions;
using CloudBox.Identity.Roles;
using CloudBox.Identity.Services;
using CloudBox.Identity.Tokens;
using CloudBox.Identity.Users;
using CloudBox.Identity.Versions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace CloudBox.Identity;

/// <summary>Keystone v3: users, projects, roles, the catalog and the tokens every other module trusts.</summary>
public sealed class IdentityModule(IdentitySettings? settings = null) : ICloudModule
{
    private readonly IdentitySettings _settings = settings ?? new IdentitySettings();

    public string Name => "identity";

    public ServiceCatalogEntry Catalog { get; } = new("identity", "keystone", "Identity Service (Keystone v3)", "/identity", "/v3");

    public IFaultFormat FaultFormat => KeystoneFaultFormat.Instance;

    public IReadOnlyList<Migration> Migrations => IdentitySchema.Migrations;

    public IReadOnlyDictionary<string, string> DefaultPolicies => IdentityPolicies.Defaults;

    public void ConfigureServices(IServiceCollection services, CloudBoxOptions options)
    {
        var keyDirectory = Path.Combine(options.DataDirectory, "keys", "token");
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(_settings);
        services.AddSingleton<IdentityChanges>();
        services.AddSingleton<CatalogChanges>();
        services.AddSingleton(_ => new TokenKeyRepository(keyDirectory));
        services.AddSingleton(_ => new CredentialCipher(Path.Combine(options.DataDirectory, "keys", "credential")));

        services.AddSingleton<DomainStore>();
        services.AddSingleton<ProjectStore>();
        services.AddSingleton<UserStore>();
        services.AddSingleton<GroupStore>();
        services.AddSingleton<RoleStore>();
        services.AddSingleton<AssignmentStore>();
        services.AddSingleton<RegionStore>();
        services.AddSingleton<ServiceStore>();
        services.AddSingleton<EndpointStore>();
        services.AddSingleton<ApplicationCredentialStore>();
        services.AddSingleton<CredentialStore>();

        services.AddSingleton<EffectiveRoles>();
        services.AddSingleton<AccessResolver>();
        services.AddSingleton<RevocationList>();
        services.AddSingleton<TokenService>();
        services.AddSingleton<ITokenValidator>(provider => provider.GetRequiredService<TokenService>());
        services.AddSingleton<Authenticator>();
        services.AddSingleton(_ => new PasswordGate());
        services.AddSingleton(provider => new Lockout(provider.GetRequiredService<UserStore>(), provider.GetRequiredService<TimeProvider>(),
            options.LockoutFailureAttempts, TimeSpan.FromSeconds(options.LockoutDurationSeconds)));
        services.AddSingleton<ServiceCatalog>();
        services.AddSingleton<GrantResolver>();
        services.AddSingleton<Ec2CredentialSource>();
        services.AddSingleton<IEc2CredentialSource>(provider => provider.GetRequiredService<Ec2CredentialSource>());
        services.AddSingleton<IDelegatedTokens, DelegatedTokens>();

        services.AddSingleton<IdentityBootstrap>();
        services.AddSingleton<IStartupTask>(provider => provider.GetRequiredService<IdentityBootstrap>());
        services.AddHostedService(provider => new IdentityMaintenance(
            provider.GetRequiredService<RevocationList>(), provider.GetRequiredService<TokenKeyRepository>(), _settings, keyDirectory,
            provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<ILogger<IdentityMaintenance>>()));

        services.AddSingleton<IAdminCommand, ResetPasswordCommand>();
        services.AddSingleton<IAdminCommand, OpenRcCommand>();
        services.AddSingleton<IAdminCommand, RotateTokenKeysCommand>();
    }

    public void MapEndpoints(IEndpointRouteBuilder routes)
    {
        VersionEndpoints.Map(routes);
        var v3 = routes.MapGroup("/v3");
        AuthEndpoints.Map(v3);
        DomainEndpoints.Map(v3);
        ProjectEndpoints.Map(v3);
        UserEndpoints.Map(v3);
        GroupEndpoints.Map(v3);
        RoleEndpoints.Map(v3);
        GrantEndpoints.Map(v3);
        RoleAssignmentEndpoints.Map(v3);
        RegionEndpoints.Map(v3);
        ServiceEndpoints.Map(v3);
        EndpointEndpoints.Map(v3);
        ApplicationCredentialEndpoints.Map(v3);
        CredentialEndpoints.Map(v3);
    }
}
